"""What a template looks like: its layout and theme, and a short hash of the two.

The hash names the images made from a look (template thumbnails, CV previews), so an image
made for an older look is never taken for the current one. Nothing here imports the PDF
renderer: the admin functions compute the hash without the PdfLayer.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

FALLBACK_LAYOUT = "classic"


def of(template: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """(layout, theme) to render with. A deleted template, or one naming a layout this
    renderer lacks, still renders: with the classic layout (and the theme it has)."""
    from chapchap.models.admin_money import TEMPLATE_LAYOUTS  # kept equal to chapchap.pdf.LAYOUTS

    template = template or {}
    layout = template.get("layout")
    return (layout if layout in TEMPLATE_LAYOUTS else FALLBACK_LAYOUT), template.get("theme") or {}


def look_hash(template: dict[str, Any] | None) -> str:
    """16 hex digits of SHA-256 over the layout and theme as rendered (key order ignored)."""
    layout, theme = of(template)
    text = json.dumps({"layout": layout, "theme": _plain(theme)}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _plain(value: Any) -> Any:
    """Numbers as DynamoDB gives them back (10.0 is read as 10), so the hash of a template
    before it is stored equals the hash of the stored one."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
