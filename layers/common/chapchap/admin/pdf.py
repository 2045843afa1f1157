"""Admin: a CV's PDF for support. A five-minute link to the PDF of the CV's current content,
rendered first when needed (the answer says `Rendering` until the PDF function is done),
for paid and unpaid CVs alike: support sees what the user sees or would buy.

It moves no counter: no `download_count`, no `DOWNLOAD#` item, no `downloads` anywhere (the
stats and the funnel count what users download). It is audited instead: `cv.pdf_link` when a
link is handed out, `cv.pdf_render` when it asks for a render, each entry written in one
transaction with a check that the actor is still an active admin.

A deleted CV's PDF is served while the PDF of its current version exists (support answering
"what did I delete?"); a deleted CV is never rendered (the PDF function skips deleted CVs):
restore it first (409 `CV_DELETED`).

DynamoDB calls: 1 GetItem + 1 transaction (+1 SQS message when a render is asked for).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chapchap import audit, clock
from chapchap.data import cvs as cv_data
from chapchap.data import table
from chapchap.errors import Conflict, NotFound
from chapchap.payments import downloads
from chapchap.pdf import queue as renders


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: str
    filename: str


def _entry(actor: dict[str, Any], cv: dict[str, Any], action: str) -> dict:
    shown = {"content_version": int(cv["content_version"]), "is_paid": bool(cv.get("is_paid")),
             "deleted": bool(cv.get("deleted_at"))}
    return audit.entry_op(actor=actor, action=action, entity="cv", entity_id=cv["id"], before=None, after=shown)


def pdf_link(actor: dict[str, Any], cv_id: str) -> Link | downloads.Rendering:
    for _ in range(3):
        cv = cv_data.get(cv_id, consistent=True) if cv_id else None
        if cv is None:
            raise NotFound("No such CV.")
        if downloads.pdf_current(cv):
            audit.admin_transact(actor, [_entry(actor, cv, "cv.pdf_link")])
            url, expires_at, filename = downloads.link(cv, clock.now())
            return Link(url=url, expires_at=expires_at, filename=filename)
        if cv.get("deleted_at"):
            raise Conflict("This CV was deleted and its current PDF was never made. Restore it first.",
                           code="CV_DELETED")
        if renders.render_under_way(cv):
            return downloads.Rendering()
        try:
            audit.admin_transact(actor, [renders.rendering_op(cv["id"], cv["content_version"]),
                                         _entry(actor, cv, "cv.pdf_render")])
        except table.TransactionFailed as exc:
            if exc.failed_at(0):
                continue  # edited meanwhile: the render must be of the new version
            raise
        renders.enqueue(cv["id"], cv["content_version"])
        return downloads.Rendering()
    raise Conflict("The CV is being edited; try again in a moment.", code="CONCURRENT_UPDATE")
