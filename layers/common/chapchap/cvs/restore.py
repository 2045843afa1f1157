"""Deleted CVs: the owner's list of them, and bringing one back (owner or admin).

A delete (chapchap/cvs/editing.py, chapchap/admin/cvs.py) moves the CV's gsi1 entry from the owner's
list to `DELETED#<owner>` (owner deletes only), takes the template's `live_cvs` down and, for
an unpaid CV, sets a `ttl` RESTORE_DAYS ahead. A restore undoes exactly that in one
transaction: the CV back in its owner's list where it was, `live_cvs` up again, no ttl. The
DynamoDB purge of an expired unpaid CV moves no counter: its delete already did.

DynamoDB calls: list 1 Query; owner restore 1 GetItem + 1 transaction; admin restore
1 GetItem (+1 GetItem of the owner's account) + 1 transaction.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chapchap import audit, clock, cursor
from chapchap.data import counters, table, templates, users
from chapchap.data import cvs as cv_data
from chapchap.data.cvs import RESTORE_DAYS, Owner
from chapchap.errors import BadRequest, Conflict, NotFound


def wants_deleted(query: dict[str, str] | None) -> bool:
    """The `deleted` query parameter of the CV list."""
    value = (query or {}).get("deleted")
    if value is None or value == "false":
        return False
    if value == "true":
        return True
    raise BadRequest("deleted must be true or false.", code="BAD_QUERY",
                     details=[{"field": "deleted", "location": "query", "message": "true or false"}])


def _shown(cv: dict[str, Any]) -> dict[str, Any]:
    return {**cv_data.public_cv(cv), "deleted_at": cv["deleted_at"],
            "restorable_until": clock.iso(cv_data.restorable_until(cv))}


def list_deleted(owner: Owner, *, limit: int, page: str | None) -> tuple[list[dict], str | None]:
    scope = f"cvs-deleted:{owner.key}"
    since = clock.now() - timedelta(days=RESTORE_DAYS)
    items, last = cv_data.list_deleted(owner, since=since, limit=limit, start_key=cursor.decode(page, scope))
    return [_shown(item) for item in items], cursor.encode(last, scope)


def _restorable_by(owner: Owner, cv: dict[str, Any] | None, moment: datetime) -> bool:
    return bool(cv and cv.get("deleted_at") and cv.get("gsi1pk") == cv_data.deleted_index(owner.key)
                and moment < cv_data.restorable_until(cv))


def restore(owner: Owner, cv_id: str) -> dict[str, Any]:
    """The owner's CV back, within RESTORE_DAYS of its delete; anything else is "no such CV"
    (someone else's, deleted by an admin, too old, purged), except their own live CV (409)."""
    moment = clock.now()
    cv = cv_data.get(cv_id, consistent=True)
    if cv and not cv.get("deleted_at") and cv.get("gsi1pk") == owner.key:
        raise Conflict("This CV is not deleted.", code="CV_NOT_DELETED")
    if not _restorable_by(owner, cv, moment):
        raise NotFound("No such deleted CV, or it was deleted more than "
                       f"{RESTORE_DAYS} days ago.")
    op, after = cv_data.restore_op(cv, moment, owner_key=owner.key, extra_condition="gsi1pk = :deleted_index",
                                   deleted_index=cv_data.deleted_index(owner.key))
    _commit([op], cv)
    return cv_data.public_cv(after)


def admin_restore(actor: dict[str, Any], cv_id: str) -> dict[str, Any]:
    """Any deleted CV still stored (paid ones always; unpaid ones until DynamoDB purges them),
    back to the owner it was deleted from, or unowned when that account is gone. Audited."""
    moment = clock.now()
    cv = cv_data.get(cv_id, consistent=True) if cv_id else None
    if not cv:
        raise NotFound("No such CV.")
    if not cv.get("deleted_at"):
        raise Conflict("This CV is not deleted.", code="CV_NOT_DELETED")
    owner_key = _owner_still_there(cv)
    op, after = cv_data.restore_op(cv, moment, owner_key=owner_key)
    _commit([op], cv, audit.entry_op(actor=actor, action="cv.restore", entity="cv", entity_id=cv_id,
                                     before=_view(cv), after=_view(after)))
    return cv_data.public_cv(after, admin=True)


def _view(cv: dict[str, Any]) -> dict[str, Any]:
    """What the audit entry keeps of a CV, as for the other admin CV changes: no content."""
    return {k: v for k, v in cv_data.public_cv(cv, admin=True).items() if k != "content"}


def _owner_still_there(cv: dict[str, Any]) -> str | None:
    """The owner list the CV goes back to: the one it was deleted from, while that account
    exists (anonymous ids always do)."""
    owner_key = cv.get("deleted_from")
    if not owner_key or not owner_key.startswith("OWNER#"):
        return None
    if owner_key.startswith("OWNER#USER#"):
        user_id = owner_key.removeprefix("OWNER#USER#")
        if user_id != cv.get("user_id") or not users.get(user_id):
            return None
    return owner_key


def _commit(ops: list[dict], cv: dict[str, Any], *extra: dict) -> None:
    """The restore with the counter its delete moved, and a check that the template still
    exists (a template with no live CV may be deleted; a restored CV must not point at none)."""
    template_id = cv["template_id"]
    ops = [*ops, counters.live_cv_op(template_id, +1),
           table.condition_op(*templates.template_key(template_id), "attribute_exists(pk)"), *extra]
    try:
        table.transact(ops)
    except table.TransactionFailed as exc:
        if exc.failed_at(2):
            raise Conflict("This CV's template was deleted since; it cannot be restored.",
                           code="TEMPLATE_DELETED") from None
        if exc.failed_at(0):
            raise Conflict("The CV changed while restoring it (restored or purged meanwhile). Reload.",
                           code="CONCURRENT_UPDATE") from None
        raise
