"""PDF pages as PNG images: the CV previews (watermarked) and the template thumbnails.

    from chapchap.pdf.raster import to_png_pages

    pages = to_png_pages(pdf_bytes, width=1000, watermark="PREVIEW")   # [Page(png, width, height)]

PDFium (pypdfium2) draws the pages, Pillow marks and encodes them; both are in the PdfLayer and
imported on first use, so importing this module costs nothing. An image has no text layer:
nothing in a preview can be selected or copied.

Speed (docs/preview.md has the figures): the PNG encoding is most of the time, so it uses
zlib level 1 (a few percent larger than the default level 6, at about half the CPU), and the
watermark's mask is drawn once per page size and process, then pasted through (one C call).
"""
from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FONT = Path(__file__).resolve().parent / "fonts" / "OpenSans-Bold.ttf"
MARK_COLOUR = (190, 30, 45)  # a signal red, readable on white and on the dark sidebars
MARK_OPACITY = 0.27  # clearly there, and the CV under it stays readable
MARK_SPAN = 0.72  # the word spans this share of the page's diagonal

# PDFium is not thread-safe; Lambda runs one request at a time, the local stack runs several
# functions in threads of one process.
_pdfium_lock = threading.Lock()


@dataclass(frozen=True)
class Page:
    png: bytes
    width: int
    height: int


def to_png_pages(pdf: bytes, *, width: int, watermark: str | None = None, first_only: bool = False,
                 compress_level: int = 1, palette: bool = False) -> list[Page]:
    """Each page of `pdf` (only the first with `first_only`) as a PNG `width` pixels wide, its
    height in proportion; with `watermark`, that word across the page's diagonal. `palette`:
    256 colours, about a third of the bytes for a few tens of milliseconds more (for images
    made once and downloaded often)."""
    import pypdfium2 as pdfium
    from PIL import Image

    images = []
    with _pdfium_lock:
        document = pdfium.PdfDocument(pdf)
        try:
            count = 1 if first_only else len(document)
            for index in range(count):
                page = document[index]
                try:
                    page_width, _ = page.get_size()  # points
                    # rev_byteorder: RGB straight from PDFium, no BGR conversion in Python
                    bitmap = page.render(scale=width / page_width, rev_byteorder=True)
                    images.append(bitmap.to_pil().copy())  # the copy outlives the bitmap
                finally:
                    page.close()
        finally:
            document.close()
    pages = []
    for image in images:
        if image.width != width:  # rounding of the scale: exactly `width`, never wider
            image = image.resize((width, max(1, round(image.height * width / image.width))))
        if watermark:
            mark_box, mask = _mark(watermark, image.width, image.height)
            image.paste(MARK_COLOUR, mark_box, mask)
        if palette:
            image = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE)
        out = io.BytesIO()
        image.save(out, "PNG", compress_level=compress_level)
        pages.append(Page(out.getvalue(), image.width, image.height))
    return pages


@lru_cache(maxsize=8)
def _mark(text: str, width: int, height: int):
    """(box, mask): the word drawn once in a greyscale mask along the diagonal from the lower
    left to the upper right, cropped to where it is; pasting a colour through it is cheap."""
    from PIL import Image, ImageDraw, ImageFont

    diagonal = math.hypot(width, height)
    probe = ImageFont.truetype(str(FONT), 100)
    left, top, right, bottom = probe.getbbox(text)
    font = ImageFont.truetype(str(FONT), max(8, int(100 * diagonal * MARK_SPAN / (right - left))))
    left, top, right, bottom = font.getbbox(text)
    pad = 8
    flat = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(flat).text((pad - left, pad - top), text, font=font, fill=round(255 * MARK_OPACITY))
    turned = flat.rotate(math.degrees(math.atan2(height, width)), expand=True, resample=Image.Resampling.BICUBIC)
    mask = Image.new("L", (width, height), 0)
    mask.paste(turned, ((width - turned.width) // 2, (height - turned.height) // 2))
    box = mask.getbbox() or (0, 0, width, height)
    return box, mask.crop(box)
