"""Template thumbnails: page 1 of a fixed sample CV (chapchap.templates.sample_cv) in a template's
layout and theme, as a PNG in the bucket:

    thumbnails/<template_id>/<look>.png      <look>: chapchap.pdf.looks.look_hash of the template

Who renders: the PDF function. Creating or restyling a template (the admin functions, the
bootstrap's starter set) only queues a job on the PDF queue,

    {"kind": "thumbnail", "template_id": "...", "look": "..."}

so those functions keep CommonLayer alone (no fpdf2, PDFium or Pillow in their cold start)
and an admin's save never waits for a render. The PDF function renders the look if it is
still the template's, stores it, and points the template at it (`thumbnail_key`,
`thumbnail_look`), conditioned on the template not having changed meanwhile. Until then the
template keeps its previous thumbnail (or none).

The public list serves `thumbnail_url`: an admin-given URL if there is one, else a presigned
GET of the generated image (the bucket is private), valid LINK_SECONDS. Presigning is
computed locally, so the list stays one Query.
"""
from __future__ import annotations

from typing import Any

from chapchap import storage
from chapchap.pdf import looks
from chapchap.pdf import queue as renders
from chapchap.data import templates
from chapchap.observability import logger

JOB_KIND = "thumbnail"
WIDTH = 480  # pixels: a template card of ~240 CSS pixels on a 2x screen
# The list is read once per page view and its images shown for as long as the visitor
# browses templates; an hour outlives a session without handing out long-lived links.
LINK_SECONDS = 3600


def key(template_id: str, look: str) -> str:
    return f"thumbnails/{template_id}/{look}.png"


def is_current(template: dict[str, Any]) -> bool:
    """The template points at a thumbnail of its current look."""
    return bool(template.get("thumbnail_key")) and template.get("thumbnail_look") == looks.look_hash(template)


def request(template: dict[str, Any]) -> None:
    """Queue the thumbnail of the template's look, unless it has it already. Called after the
    template's write succeeded; a failure to queue is logged, not raised (the save stands,
    and the next save of the template queues it again, as its look still has no image)."""
    if is_current(template):
        return
    try:
        renders.send({"kind": JOB_KIND, "template_id": template["id"], "look": looks.look_hash(template)})
    except Exception:  # noqa: BLE001 - see above
        logger.exception("thumbnail job not queued", extra={"template_id": template["id"]})


def url(template: dict[str, Any]) -> str | None:
    if template.get("thumbnail_url"):
        return template["thumbnail_url"]
    if template.get("thumbnail_key"):
        return storage.view_url(template["thumbnail_key"], expires=LINK_SECONDS)
    return None


# ---------------------------------------------------------------- the PDF function's part
def process(template_id: str, look: str) -> str:
    """Render and store the thumbnail of `look` if it is still the template's. Idempotent."""
    template = templates.get(template_id, consistent=True)
    if template is None:
        return "skipped: no such template"
    if looks.look_hash(template) != look:
        return "skipped: stale look"  # restyled since; that change queued its own job
    if is_current(template):
        return "skipped: already made"
    image_key = key(template_id, look)
    # The key names the look: the same key always holds the same picture, so browsers may keep it.
    storage.put(image_key, render(template), "image/png", cache_control="max-age=86400")
    for _ in range(3):
        if templates.set_thumbnail(template_id, key=image_key, look=look, read_at=template["updated_at"]):
            return "rendered"
        template = templates.get(template_id, consistent=True)  # changed meanwhile (price, name, ...)
        if template is None or looks.look_hash(template) != look:
            return "skipped: changed while rendering"
    raise RuntimeError(f"template {template_id} kept changing; the queue retries the thumbnail")


def render(template: dict[str, Any] | None) -> bytes:
    """Page 1 of the sample CV in the template's look, WIDTH pixels wide, as PNG bytes."""
    from chapchap.pdf import raster
    from chapchap.pdf import render_cv
    from chapchap.templates.sample_cv import SAMPLE_CV

    layout, theme = looks.of(template)
    pdf = render_cv(SAMPLE_CV, layout=layout, theme=theme, title="Sample CV")
    # Made once per look and downloaded by every visitor, often on mobile data: small.
    [page] = raster.to_png_pages(pdf, width=WIDTH, first_only=True, compress_level=9, palette=True)
    return page.png
