"""Photo preparation: any jpeg/png/webp bytes -> a small square JPEG, or None."""

from __future__ import annotations

import hashlib
import io
import logging
import threading

LOG = logging.getLogger(__name__)

MAX_PIXELS = 40_000_000  # refuse decompression bombs early
SIDE = 420  # px; about 280 dpi at 38 mm

_CACHE: dict[str, bytes | None] = {}
_LOCK = threading.Lock()


def prepare(data: object) -> io.BytesIO | None:
    """A centred square JPEG of at most SIDE px, ready for fpdf2; None if unusable."""
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) < 16:
        return None
    raw = bytes(data)
    key = hashlib.sha256(raw).hexdigest()
    with _LOCK:
        if key in _CACHE:
            cached = _CACHE[key]
            return io.BytesIO(cached) if cached is not None else None
    result = _convert(raw)
    with _LOCK:
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key] = result
    return io.BytesIO(result) if result is not None else None


def _convert(raw: bytes) -> bytes | None:
    try:
        from PIL import Image, ImageOps

        with Image.open(io.BytesIO(raw)) as img:
            if img.format not in ("JPEG", "PNG", "WEBP", "GIF", "MPO"):
                return None
            w, h = img.size
            if w < 1 or h < 1 or w * h > MAX_PIXELS:
                return None
            if img.format in ("JPEG", "MPO"):
                img.draft("RGB", (SIDE, SIDE))
            img.load()
            img = ImageOps.exif_transpose(img) or img
            if img.mode in ("RGBA", "LA", "P", "PA"):
                img = img.convert("RGBA")
                background = Image.new("RGBA", img.size, (255, 255, 255, 255))
                img = Image.alpha_composite(background, img)
            img = img.convert("RGB")
            w, h = img.size
            side = min(w, h)
            left = (w - side) // 2
            top = max(0, (h - side) // 3) if h > w else 0  # portraits: keep the face
            img = img.crop((left, top, left + side, top + side))
            if side > SIDE:
                img = img.resize((SIDE, SIDE), Image.LANCZOS)
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=88, optimize=False)
            return out.getvalue()
    except Exception as exc:  # a broken or hostile image must never fail the render
        LOG.info("photo skipped: %s", exc.__class__.__name__)
        return None
