"""render_cv: a JSON Resume document as an A4 PDF in one of the layouts (fpdf2)."""

from __future__ import annotations

from ._document import render_document
from ._engine import Canvas
from ._fonts import FONT_FAMILIES
from ._resume import read_cv
from ._theme import resolve
from .layouts import BUILDERS

LAYOUTS: tuple[str, ...] = ("classic", "modern", "compact")

__all__ = ["render_cv", "render_document", "LAYOUTS", "FONT_FAMILIES"]


def render_cv(
    content: dict,
    *,
    layout: str,
    theme: dict | None = None,
    title: str = "",
    author: str = "",
    photo: bytes | None = None,
) -> bytes:
    """Render a JSON Resume ``content`` dict as an A4 PDF and return its bytes.

    ``layout`` is one of :data:`LAYOUTS` (ValueError otherwise). ``theme`` keys are all
    optional; bad values fall back to the layout's defaults. ``title``/``author`` are the
    PDF metadata (default: the CV's name). ``photo`` (jpeg/png/webp bytes) is shown by
    the modern and classic layouts; an unreadable photo is skipped.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    cv = read_cv(content if isinstance(content, dict) else {})
    resolved = resolve(layout, theme)
    doc_title = title or (f"{cv.name} – CV" if cv.name else "CV")
    doc_author = author or cv.name
    pdf = Canvas(title=doc_title, author=doc_author)
    BUILDERS[layout](pdf, cv, resolved, photo)
    return pdf.to_bytes()
