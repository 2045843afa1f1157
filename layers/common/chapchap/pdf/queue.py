"""Asking for a PDF render: other modules call this; the PDF function consumes the queue.
(The same queue carries template thumbnail jobs: chapchap.templates.thumbnails.)

A message names a CV and the content version to render. Marking the CV `rendering` is a
write the caller may fold into its own transaction (`rendering_op`); `enqueue` sends the
message after that transaction succeeded.
"""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any


from chapchap import clock
from chapchap.data import cvs, table
from chapchap import queues
from chapchap.settings import settings

def rendering_op(cv_id: str, version: int) -> dict:
    return table.update_op(*cvs.cv_key(cv_id), "SET pdf_status = :rendering, render_requested_at = :now",
                           condition="content_version = :version", rendering="rendering",
                           version=version, now=clock.now_iso())


def enqueue(cv_id: str, version: int) -> None:
    send({"cv_id": cv_id, "version": version})


def send(body: dict) -> None:
    """Any job of the PDF function: a CV render as above, or a template thumbnail
    (chapchap.templates.thumbnails)."""
    queues.client().send_message(QueueUrl=settings().pdf_queue_url, MessageBody=json.dumps(body))


def request_render(cv_id: str, version: int) -> None:
    """Mark the CV rendering and queue the render (two calls, for callers without a transaction)."""
    try:
        table.transact([rendering_op(cv_id, version)])
    except table.TransactionFailed:
        return  # the CV changed version meanwhile; its newer update asks for its own render
    enqueue(cv_id, version)


RENDER_STUCK_AFTER = timedelta(minutes=5)


def render_under_way(cv: dict[str, Any]) -> bool:
    """A render was asked for in the last RENDER_STUCK_AFTER: wait for it (a stuck one is asked again)."""
    requested = cv.get("render_requested_at")
    return bool(cv.get("pdf_status") == "rendering" and requested
                and clock.parse_iso(requested) > clock.now() - RENDER_STUCK_AFTER)


def render_unless_under_way(cv: dict[str, Any]) -> None:
    """Ask for the render of the CV's current version unless one is under way (a reader
    polling for the PDF must not queue a render per poll)."""
    if not render_under_way(cv):
        request_render(cv["id"], cv["content_version"])
