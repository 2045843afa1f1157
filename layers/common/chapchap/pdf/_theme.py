"""Theme parsing: defaults per layout, every bad value replaced by its default."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ._fonts import FONT_FAMILIES, canonical_family

COLOR_KEYS = ("primary", "accent", "text", "muted", "sidebar_bg", "sidebar_text")
MARGIN_KEYS = ("top", "right", "bottom", "left")

DEFAULTS: dict[str, dict] = {
    "classic": {
        "colors": {
            "primary": "#1A365D", "accent": "#2B6CB0", "text": "#222222", "muted": "#666666",
            "sidebar_bg": "#1A365D", "sidebar_text": "#FFFFFF",
        },
        "fonts": {"heading": "Noto Serif", "body": "Noto Serif"},
        "margins": {"top": 16, "right": 17, "bottom": 16, "left": 17},
        "font_size": 10,
    },
    "modern": {
        "colors": {
            "primary": "#1F4E79", "accent": "#2E86C1", "text": "#222222", "muted": "#666666",
            "sidebar_bg": "#1F4E79", "sidebar_text": "#FFFFFF",
        },
        "fonts": {"heading": "Open Sans", "body": "Open Sans"},
        "margins": {"top": 15, "right": 14, "bottom": 15, "left": 10},
        "font_size": 9.5,
    },
    "compact": {
        "colors": {
            "primary": "#111111", "accent": "#333333", "text": "#111111", "muted": "#555555",
            "sidebar_bg": "#111111", "sidebar_text": "#FFFFFF",
        },
        "fonts": {"heading": "Noto Sans", "body": "Noto Sans"},
        "margins": {"top": 12, "right": 14, "bottom": 13, "left": 14},
        "font_size": 9.5,
    },
    "document": {
        "colors": {
            "primary": "#1F4E79", "accent": "#2E86C1", "text": "#222222", "muted": "#666666",
            "sidebar_bg": "#1F4E79", "sidebar_text": "#FFFFFF",
        },
        "fonts": {"heading": "Noto Sans", "body": "Noto Sans"},
        "margins": {"top": 18, "right": 18, "bottom": 16, "left": 18},
        "font_size": 10,
    },
}

_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def parse_color(value: object) -> tuple[int, int, int] | None:
    """'#1F4E79', '1F4E79', '#abc', [31, 78, 121] -> (r, g, b); anything else -> None."""
    if isinstance(value, str):
        m = _HEX.match(value.strip())
        if not m:
            return None
        h = m.group(1)
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
    if isinstance(value, (list, tuple)) and len(value) == 3:
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
            if all(0 <= v <= 255 for v in value):
                return tuple(int(round(v)) for v in value)  # type: ignore[return-value]
    return None


def _number(value: object, default: float, lo: float, hi: float) -> float:
    if isinstance(value, bool):
        return default
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return default
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return default
    return float(min(hi, max(lo, value)))


@dataclass(frozen=True)
class Theme:
    primary: tuple
    accent: tuple
    text: tuple
    muted: tuple
    sidebar_bg: tuple
    sidebar_text: tuple
    heading_font: str
    body_font: str
    top: float
    right: float
    bottom: float
    left: float
    font_size: float


def resolve(layout: str, theme: object) -> Theme:
    base = DEFAULTS[layout]
    given = theme if isinstance(theme, dict) else {}
    colors_in = given.get("colors") if isinstance(given.get("colors"), dict) else {}
    fonts_in = given.get("fonts") if isinstance(given.get("fonts"), dict) else {}
    margins_in = given.get("margins") if isinstance(given.get("margins"), dict) else {}

    colors = {}
    for key in COLOR_KEYS:
        colors[key] = parse_color(colors_in.get(key)) or parse_color(base["colors"][key])
    fonts = {}
    for key in ("heading", "body"):
        fonts[key] = canonical_family(fonts_in.get(key)) or base["fonts"][key]
        assert fonts[key] in FONT_FAMILIES
    margins = {
        key: _number(margins_in.get(key), base["margins"][key], 5.0, 40.0) for key in MARGIN_KEYS
    }
    size = _number(given.get("font_size"), base["font_size"], 7.0, 14.0)
    return Theme(
        colors["primary"], colors["accent"], colors["text"], colors["muted"],
        colors["sidebar_bg"], colors["sidebar_text"], fonts["heading"], fonts["body"],
        margins["top"], margins["right"], margins["bottom"], margins["left"], size,
    )


def mix(a: tuple, b: tuple, t: float) -> tuple:
    """Colour ``t`` of the way from ``a`` to ``b``."""
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))
