"""Share links of paid CVs, their viewers and their views.

    CV#<id>      / CV                 `share_slug`: the CV's live link (at most one), read with
                                      the CV itself; set only while absent, removed by a revoke
    SHARE#<slug> / SHARE              the link: `cv_id`, `created_at`, `views` (counted in the
                                      transaction of each view), the S3 keys of its QR codes,
                                      `pdf_source`: the PDF its public copy was made from.
                                      Deleted by a revoke: the slug is unknown from then on
    SHARE#<slug> / VIEW#<at>#<nonce>  one view: `at`, `referrer_host`, `country`, `device`;
                                      TTL VIEW_DAYS after it (the counter keeps the total)
    SHARE#<slug> / VIEWER#<hash>      a viewer seen in the last VIEWER_SECONDS; the put is
                                      conditional, so the same viewer counts once per window.
                                      TTL, and `until` in the condition (TTL deletes late)

A link's views live in its own partition, so the list is a Query of one partition newest
first (`begins_with(sk, "VIEW#")`, which "VIEWER#" does not match) and the total is the
counter on the link: nothing grows with the number of views but the page itself.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from chapchap import clock
from chapchap.data import cvs, table

VIEW_DAYS = 400  # a view stays listable for this long; `views` counts it for ever
VIEWER_SECONDS = 30 * 60  # the same viewer within this window is one view


def share_key(slug: str) -> tuple[str, str]:
    return f"SHARE#{slug}", "SHARE"


def get(slug: str, *, consistent: bool = False) -> dict[str, Any] | None:
    return table.get(*share_key(slug), consistent=consistent)


def new_share(cv_id: str, slug: str, *, svg_key: str, png_key: str) -> dict[str, Any]:
    pk, sk = share_key(slug)
    return {"pk": pk, "sk": sk, "type": "share", "slug": slug, "cv_id": cv_id, "views": 0,
            "qr_svg_key": svg_key, "qr_png_key": png_key, "created_at": clock.now_iso()}


class AlreadyShared(Exception):
    """The CV got a live link (or stopped being shareable) while this one was being made."""


def create(share: dict[str, Any]) -> None:
    """The link and the CV's pointer to it, together; only while the CV is live, paid and has
    no link yet."""
    try:
        table.transact([
            table.put_op(share, condition="attribute_not_exists(pk)"),
            table.update_op(*cvs.cv_key(share["cv_id"]), "SET share_slug = :slug",
                            condition="attribute_exists(pk) AND attribute_not_exists(share_slug) "
                                      "AND attribute_not_exists(deleted_at) AND is_paid = :yes",
                            slug=share["slug"], yes=True),
        ])
    except table.TransactionFailed as exc:
        if exc.conflict:
            raise
        raise AlreadyShared() from None


def revoke(cv_id: str, slug: str) -> bool:
    """The link goes and the CV forgets it; False when it was already revoked."""
    try:
        table.transact([
            table.delete_op(*share_key(slug), condition="attribute_exists(pk)"),
            table.update_op(*cvs.cv_key(cv_id), "REMOVE share_slug", condition="share_slug = :slug", slug=slug),
        ])
    except table.TransactionFailed as exc:
        if exc.conflict:
            raise
        return False
    return True


def record_view(slug: str, viewer: str, moment: datetime, view: dict[str, Any]) -> bool | None:
    """One view, counted once per viewer and window: True when counted, False when the viewer
    was seen within the window, None when the link was revoked meanwhile."""
    now = clock.epoch_seconds(moment)
    at = clock.iso(moment)
    pk, _ = share_key(slug)
    ops = [
        table.put_op({"pk": pk, "sk": f"VIEWER#{viewer}", "type": "share_viewer", "until": now + VIEWER_SECONDS,
                      "ttl": now + VIEWER_SECONDS + 60},
                     condition="attribute_not_exists(pk) OR #until <= :now", names={"#until": "until"}, now=now),
        table.put_op({"pk": pk, "sk": f"VIEW#{at}#{secrets.token_hex(4)}", "type": "share_view", "at": at,
                      **view, "ttl": clock.epoch_seconds(moment + timedelta(days=VIEW_DAYS))}),
        table.update_op(*share_key(slug), "ADD #views :one", condition="attribute_exists(pk)",
                        names={"#views": "views"}, one=1),
    ]
    try:
        table.transact(ops)
    except table.TransactionFailed as exc:
        if exc.failed_at(2):
            return None
        if exc.failed_at(0):
            return False
        raise
    return True


def set_pdf_source(slug: str, source: str) -> None:
    """Which PDF the link's public copy now holds; nothing when the link was revoked meanwhile."""
    try:
        table.update(*share_key(slug), "SET pdf_source = :source", condition="attribute_exists(pk)", source=source)
    except table.ConditionFailed:
        pass


def views(slug: str, *, limit: int, start_key: dict | None) -> tuple[list[dict[str, Any]], dict | None]:
    """A link's views, newest first: one Query of its partition."""
    return table.query(pk=share_key(slug)[0], sk_condition="begins_with(sk, :view)", sk_values={"view": "VIEW#"},
                       limit=limit, forward=False, start_key=start_key)
