"""Admin: every CV. List with filters and sorts, read, update (title, template, paid state
with a reason), soft delete. Each change is one transaction with its audit entry.

Lists read keyed partitions only (no filter expressions), one Query each. Every CV month
bucket is S = INDEX_SHARDS sub-buckets plus the legacy unsharded one (data/cvs.py: P = S + 1
= 5 prefixes), merged in sort-key order (data/merged.py); a page whose month holds enough CVs
fills in one round, one Query per prefix:
    no filter, sort=created_at     gsi2 CVS[#<k>]#<month>: P = 5 per round
    template_id + is_paid          gsi3 CVTPL#<template>#<paid|unpaid>[#<k>]#<month>: P = 5
    template_id alone              both paid states: 2 P = 10
    is_paid alone                  every template's partitions: T x P (+1 Query for the
                                   template ids)
    sort=template                  the template ids (1 Query), then template by template (A to Z)
                                   as above, 2 P (P with is_paid) per template
A page stops before a round would pass MAX_QUERIES = 4 P = 20 Queries, but its first round
always runs (so a round wider than that, is_paid alone with T > 4, is the page's cost): with
sparse data over many months or templates it may come back short, with a cursor to go on.
The cost follows the page, the range and the number of templates, never the table.

update: 1 GetItem (+1 GetItem when the template changes) + 1 transaction (+1 SQS message when
a render is due); delete: 1 GetItem + 1 transaction.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chapchap import audit, clock
from chapchap.admin import query as admin_query
from chapchap.cvs import paid_name
from chapchap.pdf import queue as renders
from chapchap.data import counters, merged, table, templates
from chapchap.data import cvs as cv_data
from chapchap.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:  # pydantic body models: the routes that take them import them
    from chapchap.models.admin import AdminCvUpdateIn

SORTS = ("created_at", "template")
# Four rounds of one bucket's prefixes: a sparse range crosses up to four months per page.
MAX_QUERIES = 4 * len(cv_data.bucket_prefixes())
TEMPLATE_ID = r"[a-z0-9][a-z0-9-]{0,62}"

# ---------------------------------------------------------------- list
def list_cvs(params: dict[str, str] | None) -> tuple[list[dict], int, str | None]:
    query = admin_query.read(params, allowed=("template_id", "is_paid"), sorts=SORTS)
    template_id = query.text("template_id", pattern=TEMPLATE_ID, message="must be a template id")
    is_paid = query.boolean("is_paid")
    query.check()
    # The shard count is in the scope: a cursor made for other prefixes is refused, never misread.
    scope = query.scope("admin-cvs", template_id=template_id, is_paid=is_paid, shards=cv_data.INDEX_SHARDS)
    paid_states = (True, False) if is_paid is None else (is_paid,)
    if query.sort == "template" or template_id:
        ids = [template_id] if template_id else templates.all_ids()
        index, groups = "gsi3", [[p for paid in paid_states for p in cv_data.template_prefixes(t, paid)] for t in ids]
    elif is_paid is not None:
        index, groups = "gsi3", [[p for t in templates.all_ids() for p in cv_data.template_prefixes(t, is_paid)]]
    else:
        index, groups = "gsi2", [cv_data.bucket_prefixes()]
    items, next_cursor = merged.page(index=index, groups=groups, first=query.first, last=query.last,
                                     limit=query.limit, page_cursor=query.cursor, scope=scope,
                                     newest_first=query.newest_first, max_queries=MAX_QUERIES)
    return [cv_data.public_cv(item, admin=True) for item in items], query.limit, next_cursor


# ---------------------------------------------------------------- one CV
def _get(cv_id: str) -> dict[str, Any]:
    cv = cv_data.get(cv_id, consistent=True) if cv_id else None
    if cv is None:
        raise NotFound("No such CV.")
    return cv


def _live(cv_id: str) -> dict[str, Any]:
    cv = _get(cv_id)
    if cv.get("deleted_at"):
        raise Conflict("This CV was deleted; it can no longer be changed.", code="CV_DELETED")
    return cv


def _view(cv: dict[str, Any]) -> dict[str, Any]:
    """What an audit entry keeps of a CV: the admin `cv` object without its content (but with
    the name: a paid CV's name changes only here)."""
    shown = cv_data.public_cv(cv, admin=True)
    shown["name"] = paid_name.name_of(shown.pop("content", None))
    return shown


def _current(cv: dict[str, Any], field: str) -> Any:
    if field == "is_paid":
        return bool(cv.get("is_paid"))
    if field == "content":
        return cv_data.content_of(cv)
    return cv.get(field)


def _check_content(cv: dict[str, Any], content: dict[str, Any], reason: str | None) -> None:
    """The owner's content rules (size, JSON Resume, the owner's photos); another person's
    name on a paid CV needs a reason, kept in the audit log."""
    from chapchap.cvs.editing import check_content

    owner = cv_data.owner_of(cv) or cv_data.Owner("user", cv.get("former_user_id") or "none")
    check_content(content, owner, claimed_from=cv.get("claimed_from"))
    old, new = paid_name.name_of(cv_data.content_of(cv)), paid_name.name_of(content)
    if cv.get("is_paid") and old and not paid_name.is_correction(old, new) and not reason:
        raise ValidationFailed.field("reason", "is required to put another person's name on a paid CV "
                                               "(it is kept in the audit log)")


def read(cv_id: str) -> dict[str, Any]:
    return cv_data.public_cv(_get(cv_id), admin=True)


def update(actor: dict[str, Any], cv_id: str, data: AdminCvUpdateIn) -> dict[str, Any]:
    changes = data.model_dump(exclude_unset=True)
    reason = changes.pop("reason", None)
    cv = _live(cv_id)
    was_paid = bool(cv.get("is_paid"))
    changes = {k: v for k, v in changes.items() if v != _current(cv, k)}
    if "is_paid" in changes and not reason:
        raise ValidationFailed.field("reason", "is required when is_paid changes (it is kept in the audit log)")
    if "content" in changes:
        _check_content(cv, changes["content"], reason)
    if "template_id" in changes and templates.get(changes["template_id"]) is None:
        raise ValidationFailed.field("template_id", "no template has this id")
    if not changes:
        return cv_data.public_cv(cv, admin=True)

    moment = clock.now()
    now = clock.iso(moment)
    paid = changes.get("is_paid", was_paid)
    template_id = changes.get("template_id", cv["template_id"])
    after = {**cv, **changes, "updated_at": now}
    sets, removes = ["updated_at = :now"], []
    values: dict[str, Any] = {"now": now, "old_paid": was_paid, "old_template": cv["template_id"],
                              "old_version": cv["content_version"]}
    if "title" in changes:
        sets.append("title = :title")
        values["title"] = changes["title"]
    if "template_id" in changes:
        sets.append("template_id = :template")
        values["template"] = template_id
    if "content" in changes:
        sets.append("content_json = :content")
        values["content"] = after["content_json"] = cv_data.dump_content(after.pop("content"))
        # The admin's name is the one a paid CV keeps from now on (chapchap/cvs/paid_name.py).
        name = paid_name.name_of(changes["content"])
        if paid and name:
            sets.append("locked_name = :locked")
            values["locked"] = after["locked_name"] = name
        else:
            removes.append("locked_name")
    if "title" in changes or "template_id" in changes or "content" in changes:  # all show in the PDF
        sets.append("content_version = :version")
        values["version"] = after["content_version"] = cv["content_version"] + 1
    if "template_id" in changes or "is_paid" in changes:
        sets.append("gsi3pk = :template_index")
        values["template_index"] = cv_data.template_index(cv, template_id=template_id, is_paid=paid)["gsi3pk"]
    amounts, day, counted_template = {}, clock.business_date(moment), template_id
    if "is_paid" in changes:
        sets.append("is_paid = :paid")
        values["paid"] = paid
        if paid:
            sets += ["paid_at = :now", "paid_by = :actor"]
            values["actor"] = actor["id"]
            after.update(paid_at=now, paid_by=actor["id"])
            amounts = {"paid_cvs": 1}
        else:
            removes.append("paid_at")
            after.pop("paid_at", None)
            amounts = {"paid_cvs": -1}  # back out of the day and template it was counted for
            if cv.get("paid_at"):
                day = clock.business_date(clock.parse_iso(cv["paid_at"]))
            counted_template = cv["template_id"]
    render = paid and ("is_paid" in changes or after["content_version"] != cv["content_version"])
    if render:
        sets += ["pdf_status = :rendering", "render_requested_at = :now"]
        values["rendering"] = after["pdf_status"] = "rendering"
    expression = table.set_remove(sets, removes)
    ops = [table.update_op(*cv_data.cv_key(cv_id), expression,
                           condition="attribute_exists(pk) AND attribute_not_exists(deleted_at) AND "
                                     "is_paid = :old_paid AND template_id = :old_template AND "
                                     "content_version = :old_version", **values),
           audit.entry_op(actor=actor, action="cv.update", entity="cv", entity_id=cv_id,
                          before=_view(cv), after=_view(after), reason=reason),
           *counters.add_ops(amounts, day=day, template_id=counted_template)]
    if template_id != cv["template_id"]:
        if amounts:
            # Both would write the same template counter: one item, one write per transaction.
            raise ValidationFailed("Change the template and the paid state in two separate requests.",
                                   code="ONE_CHANGE_AT_A_TIME")
        # Template deletion is refused while live CVs use it: move them with the CV.
        ops += [counters.live_cv_op(cv["template_id"], -1), counters.live_cv_op(template_id, +1)]
    try:
        audit.admin_transact(actor, ops)
    except table.TransactionFailed as exc:
        if exc.failed_at(0):
            raise Conflict("The CV changed while saving (paid, edited or deleted). Reload and try again.",
                           code="CONCURRENT_UPDATE") from None
        raise
    if render:
        renders.enqueue(cv_id, after["content_version"])
    return cv_data.public_cv(after, admin=True)


def delete(actor: dict[str, Any], cv_id: str) -> None:
    """Soft delete, like the owner's: kept with `deleted_at`, gone from the owner's lists."""
    cv = _live(cv_id)
    moment = clock.now()
    now = clock.iso(moment)
    after = {**cv, "deleted_at": now, "updated_at": now}
    # Not in the owner's deleted list: what an admin removed, only an admin brings back.
    ops = [cv_data.soft_delete_op(cv, moment, listed=False, deleted_by=actor["id"],
                                  condition="attribute_exists(pk) AND attribute_not_exists(deleted_at)"),
           audit.entry_op(actor=actor, action="cv.delete", entity="cv", entity_id=cv_id,
                          before=_view(cv), after=_view(after)),
           counters.live_cv_op(cv["template_id"], -1)]
    try:
        audit.admin_transact(actor, ops)
    except table.TransactionFailed as exc:
        if exc.failed_at(0):
            _live(cv_id)  # 409 CV_DELETED when deleted meanwhile
            raise Conflict("The CV changed while deleting it (it was paid). Reload and try again.",
                           code="CONCURRENT_UPDATE") from None
        raise
