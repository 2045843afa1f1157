"""A paid CV's download: a short-lived link to its PDF when the PDF of the current version is
ready (and the download counted), else the render is asked for. Returns a value; the HTTP
edge picks the status (200 for `Ready`, 202 for `Rendering`)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chapchap import clock, storage
from chapchap.pdf import queue as renders
from chapchap.data import counters, table
from chapchap.data import cvs as cv_data
from chapchap.errors import NotFound, PaymentRequired

DOWNLOAD_URL_SECONDS = 300


@dataclass(frozen=True)
class Ready:
    url: str
    expires_at: str
    filename: str
    download_count: int


@dataclass(frozen=True)
class Rendering:
    status: str = "rendering"


def _filename(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_title).strip("-")[:60] or "CV"
    return f"{slug}.pdf"


def download(user: dict[str, Any], cv_id: str) -> Ready | Rendering:
    cv = cv_data.get(cv_id, consistent=True)
    if not cv or cv.get("deleted_at") or cv.get("user_id") != user["id"]:
        raise NotFound("No such CV.")
    if not cv.get("is_paid"):
        raise PaymentRequired("Pay for this CV to download it.", code="PAYMENT_REQUIRED")
    if pdf_current(cv):
        now = clock.now()
        table.transact([table.update_op(*cv_data.cv_key(cv_id), "ADD download_count :one", one=1),
                        *counters.add_ops({"downloads": 1}, day=clock.business_date(now),
                                          template_id=cv["template_id"]),
                        counters.download_op(cv, now)])
        url, expires_at, filename = link(cv, now)
        return Ready(url=url, expires_at=expires_at, filename=filename,
                     download_count=int(cv.get("download_count", 0)) + 1)
    renders.render_unless_under_way(cv)
    return Rendering()


def pdf_current(cv: dict[str, Any]) -> bool:
    """The PDF of the CV's current content version exists."""
    return (cv.get("pdf_status") == "ready" and cv.get("pdf_version") == cv["content_version"]
            and bool(cv.get("pdf_key")))


def link(cv: dict[str, Any], now) -> tuple[str, str, str]:
    """A short-lived link to the CV's PDF: (url, expires_at, filename)."""
    filename = _filename(cv["title"])
    return (storage.download_url(cv["pdf_key"], filename=filename, expires=DOWNLOAD_URL_SECONDS),
            clock.iso(now + timedelta(seconds=DOWNLOAD_URL_SECONDS)), filename)
