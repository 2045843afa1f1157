"""PDF rendering of CVs (JSON Resume content) and of small generic documents.

    from chapchap.pdf import render_cv, LAYOUTS, FONT_FAMILIES, render_document

    pdf_bytes = render_cv(content, layout="modern", theme=None, title="", author="", photo=None)

Fonts are parsed once per process and reused by every document (see ``_fonts``), so a
warm two-page render takes a few tens of milliseconds. Only this package imports fpdf2.

Inside: `_resume` reads a JSON Resume document, `layouts/` draws it (one module per
layout), `_engine`, `_fonts` and `_theme` are the drawing's tools. Also here: `worker` (the
PDF queue's jobs: CV PDFs, thumbnails), `queue` (asking for a render), `looks` (a
template's layout and theme, and their hash) and `raster` (pages as PNG).
This face loads the renderer (fpdf2, in the PdfLayer) on first use of one of its names, not
on import: `from chapchap.pdf import worker` costs a function without the PdfLayer nothing.
"""

from __future__ import annotations

__all__ = ["render_cv", "render_document", "LAYOUTS", "FONT_FAMILIES"]
_FROM_RENDER = {"render_cv", "render_document", "LAYOUTS", "FONT_FAMILIES", "Canvas", "BUILDERS", "read_cv",
                "resolve"}


def __getattr__(name: str):
    if name in _FROM_RENDER:
        from chapchap.pdf import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
