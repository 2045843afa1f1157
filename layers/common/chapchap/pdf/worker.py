"""The PDF function's work: render one (CV, content version) into S3, exactly once.

Idempotent: a message for a version already rendered does nothing; a message for an older
version than the CV now has is skipped (the newer update asked for its own render); the
final write is conditional on the version, so a render that raced an edit never marks the
newer content as ready. After the last allowed attempt the CV says `failed` and the
message goes on to the dead-letter queue.
"""
from __future__ import annotations

import os
from typing import Any

from chapchap import clock, storage
from chapchap.pdf import looks
from chapchap.data import cvs as cv_data
from chapchap.data import table, templates
from chapchap.observability import logger, metrics


def max_attempts() -> int:
    return int(os.environ.get("PDF_MAX_ATTEMPTS", "3"))


def pdf_key(cv: dict[str, Any], version: int) -> str:
    owner = cv_data.owner_of(cv)
    prefix = f"{owner.kind}/{owner.id}" if owner else "unowned"
    return f"pdfs/{prefix}/{cv['id']}/v{version}.pdf"


def _photo(cv: dict[str, Any], content: dict[str, Any]) -> bytes | None:
    basics = content.get("basics") if isinstance(content.get("basics"), dict) else {}
    image = basics.get("image") if basics else None
    # Only our own uploads: the renderer never fetches URLs from the internet.
    if not isinstance(image, str) or not image.startswith("photos/"):
        return None
    try:
        return storage.get(image)
    except Exception:  # a missing photo must not cost the visitor their PDF
        logger.warning("photo not readable; rendering without it", extra={"cv_id": cv["id"]})
        return None


def process(cv_id: str, version: int, *, attempt: int) -> str:
    cv = cv_data.get(cv_id, consistent=True)
    if cv is None or cv.get("deleted_at"):
        return "skipped: no such CV"
    if cv["content_version"] != version:
        return "skipped: stale version"
    if cv.get("pdf_version") == version and cv.get("pdf_status") == "ready":
        return "skipped: already rendered"
    try:
        key = _render(cv, version)
    except Exception:
        if attempt >= max_attempts():
            _mark_failed(cv_id, version)
        raise
    try:
        table.update(*cv_data.cv_key(cv_id),
                     "SET pdf_status = :ready, pdf_key = :key, pdf_version = :version, pdf_rendered_at = :now",
                     condition="content_version = :version", ready="ready", key=key, version=version,
                     now=clock.now_iso())
    except table.ConditionFailed:
        return "skipped: edited while rendering"
    metrics.add_metric(name="PdfRendered", unit="Count", value=1)
    return "rendered"


def render_pdf(cv: dict[str, Any], template: dict[str, Any] | None) -> bytes:
    """The CV's PDF with its template's look: what the paid download holds (the preview
    rasterizes the same bytes)."""
    from chapchap.pdf import render_cv  # fpdf2 is imported when a PDF is made only

    content = cv_data.content_of(cv)
    layout, theme = looks.of(template)
    basics = content.get("basics") if isinstance(content.get("basics"), dict) else {}
    return render_cv(content, layout=layout, theme=theme, title=cv["title"],
                     author=(basics or {}).get("name") or "", photo=_photo(cv, content))


def _render(cv: dict[str, Any], version: int) -> str:
    pdf = render_pdf(cv, templates.get(cv["template_id"]))
    key = pdf_key(cv, version)
    storage.put(key, pdf, "application/pdf")
    return key


def _mark_failed(cv_id: str, version: int) -> None:
    try:
        table.update(*cv_data.cv_key(cv_id), "SET pdf_status = :failed, pdf_failed_at = :now",
                     condition="content_version = :version", failed="failed", version=version,
                     now=clock.now_iso())
    except table.ConditionFailed:
        pass
    logger.error("PDF render failed for the last time; message goes to the dead-letter queue",
                 extra={"cv_id": cv_id, "version": version})
