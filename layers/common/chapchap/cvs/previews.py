"""CV previews: the CV as it will print, as watermarked images, for its owner, paid or not.

The PDF is made exactly as the paid one is (`pdf.worker.render_pdf`: same layout, theme and
photo), then every page is rasterized 1000 pixels wide with a diagonal "PREVIEW" across it
(`chapchap.pdf.raster`): images only, so nothing can be selected or copied. They are kept per
content version and template look:

    previews/<cv_id>/<content_version>/<look>/page-<n>.png

The CV item's `preview` marker (chapchap/data/previews.py) says which version and look are in
the bucket and the size of each page. When it matches the CV's current content version and
its template's current look, the answer is links only: no render and no S3 call (presigning
is computed locally). Calls per request:

    images exist  GetItem (the CV) + GetItem (its template)
    new version   the same + PutObject per page + UpdateItem (the marker)

The bucket's lifecycle rule deletes previews/ after PREVIEW_DAYS days (template.yaml); a
marker older than MARKER_TRUSTED_SECONDS (less than that) is not trusted, so a link never
points at an image S3 has deleted: the preview is simply made again.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from chapchap import clock, storage
from chapchap.cvs import editing as cvs
from chapchap.pdf import looks
from chapchap.pdf import worker as pdf_worker
from chapchap.data import previews as preview_data
from chapchap.data import templates
from chapchap.data.cvs import Owner

MAX_WIDTH = 1000  # pixels: sharp on a laptop, and a phone shows it scaled down
WATERMARK = "PREVIEW"
LINK_SECONDS = 300  # the page loads the images at once
PREVIEW_DAYS = 3  # the lifecycle rule on previews/ in template.yaml
MARKER_TRUSTED_SECONDS = 2 * 86400  # S3 expires objects within a day after their rule's age


def key_prefix(cv_id: str, version: int, look: str) -> str:
    return f"previews/{cv_id}/{version}/{look}"


def preview(owner: Owner, cv_id: str) -> dict[str, Any]:
    """The owner's CV as PNG pages: `{pages: [{url, width, height}], page_count, content_version}`."""
    cv = cvs.owned(owner, cv_id)
    template = templates.get(cv["template_id"])
    version, look = cv["content_version"], looks.look_hash(template)
    prefix = key_prefix(cv_id, version, look)
    sizes = _existing(cv.get("preview"), version, look)
    if sizes is None:
        sizes = _make(cv, template, prefix)
        preview_data.mark(cv_id, version, {"version": version, "look": look, "pages": sizes,
                                           "at": clock.now_iso()})
    pages = [{"url": storage.view_url(f"{prefix}/page-{n}.png", expires=LINK_SECONDS), "width": w, "height": h}
             for n, (w, h) in enumerate(sizes, start=1)]
    return {"pages": pages, "page_count": len(pages), "content_version": version}


def _existing(marker: dict[str, Any] | None, version: int, look: str) -> list[list[int]] | None:
    if not marker or marker.get("version") != version or marker.get("look") != look or not marker.get("pages"):
        return None
    age = clock.now() - clock.parse_iso(marker["at"])
    if age > timedelta(seconds=MARKER_TRUSTED_SECONDS):
        return None
    return [[int(w), int(h)] for w, h in marker["pages"]]


def _make(cv: dict[str, Any], template: dict[str, Any] | None, prefix: str) -> list[list[int]]:
    from chapchap.pdf import raster  # Pillow and PDFium: the PdfLayer

    pdf = pdf_worker.render_pdf(cv, template)
    pages = raster.to_png_pages(pdf, width=MAX_WIDTH, watermark=WATERMARK)
    for number, page in enumerate(pages, start=1):
        # private: a browser may keep it as long as the link lives, a shared cache not at all
        storage.put(f"{prefix}/page-{number}.png", page.png, "image/png", cache_control="private, max-age=300")
    return [[page.width, page.height] for page in pages]
