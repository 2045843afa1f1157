"""CVs: who owns one, what it may contain, and the owner's operations on it.

DynamoDB calls per request (asserted in tests): create 2 (template, put), list 1 Query,
read 1, update 2-3 (read, template when changed, update; +1 for a paid CV whose level predates
`paid_amount`), delete 2, duplicate 2.

A paid CV may move only to templates it is paid for (price at most its `paid_amount`, see
chapchap/templates/pricing.py): a dearer one is a 402 with the difference, and nothing changes.

Every write that makes a live CV start or stop using a template (create, duplicate, delete,
template change) moves that template's `live_cvs` counter in the same transaction, so an
admin can refuse to delete a template in use with one conditional check.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chapchap import clock, cursor
from chapchap.analytics import funnel
from chapchap.cvs import paid_name
from chapchap.templates import pricing
from chapchap.pdf import queue as renders
from chapchap.cvs import uploads
from chapchap.data import counters, table, templates
from chapchap.data import cvs as cv_data
from chapchap.data.cvs import Owner
from chapchap.errors import Conflict, NotFound, PayloadTooLarge, PaymentRequired, ValidationFailed

if TYPE_CHECKING:
    from chapchap.models.cv import CvCreateIn, CvUpdateIn

MAX_CONTENT_BYTES = 100 * 1024
# A sign-in transaction holds at most 100 writes; the rest of it uses at most 15 (a sign-up
# with a six-word name and a number indexed for the admin search).
HANDOVER_LIMIT = 80


# ---------------------------------------------------------------- content rules
def check_content(content: dict[str, Any], owner: Owner, *, claimed_from: str | None = None) -> dict[str, Any]:
    size = len(cv_data.dump_content(content).encode("utf-8"))
    if size > MAX_CONTENT_BYTES:
        raise PayloadTooLarge(f"CV content is {size // 1024} KB; the limit is 100 KB.", code="CONTENT_TOO_LARGE")
    # pydantic and the JSON Resume model load here, on the paths that write content: reading,
    # listing and deleting CVs do not pay for them at cold start.
    from pydantic import ValidationError

    from chapchap.models.resume import Resume

    try:
        resume = Resume.model_validate(content)
    except ValidationError as exc:
        details = [{"field": ".".join(["content", *map(str, e["loc"])]), "location": "body",
                    "message": e["msg"], "type": e["type"]} for e in exc.errors()]
        raise ValidationFailed("The CV content is not valid: " + "; ".join(
            f"{d['field']}: {d['message']}" for d in details[:3]), details=details) from None
    image = resume.basics.image if resume.basics else None
    owners = [owner] + ([Owner("anon", claimed_from)] if claimed_from else [])
    if image and not image.startswith(("https://", "http://")) and not any(
            uploads.is_own_photo(o, image) for o in owners):
        raise ValidationFailed.field("content.basics.image", "must be a key returned by /api/uploads/presigned-url")
    return content


def _active_template(template_id: str) -> dict[str, Any]:
    template = templates.get(template_id)
    if not template or not template.get("is_active"):
        raise ValidationFailed.field("template_id", "no active template has this id")
    return template


def _owned(owner: Owner, cv_id: str) -> dict[str, Any]:
    cv = cv_data.get(cv_id, consistent=True)
    if not cv or cv.get("deleted_at") or cv.get("gsi1pk") != owner.key:
        raise NotFound("No such CV.")
    return cv


def owned(owner: Owner, cv_id: str) -> dict[str, Any]:
    """The CV item if `owner` owns it and it is not deleted; NotFound otherwise (another
    visitor learns nothing about it)."""
    return _owned(owner, cv_id)


def _title(content: dict[str, Any]) -> str:
    name = ((content.get("basics") or {}).get("name") or "").strip() if isinstance(content.get("basics"), dict) else ""
    return f"{name} CV" if name else "My CV"


# ---------------------------------------------------------------- operations
def _funnel_of(owner: Owner) -> dict[str, int] | None:
    """A CV made without an account is the funnel's first step (docs/funnel.md)."""
    return funnel.anonymous_cv() if owner.kind == "anon" else None


def create(owner: Owner, data: CvCreateIn) -> dict[str, Any]:
    content = check_content(data.content, owner)
    _active_template(data.template_id)
    cv = cv_data.new_cv(owner=owner, template_id=data.template_id, title=data.title or _title(content),
                        content=content)
    ops = [table.put_op(cv, condition="attribute_not_exists(pk)"),
           *counters.add_ops({"cvs": 1}, template_id=data.template_id, template_only={"live_cvs": 1},
                             day_only=_funnel_of(owner)),
           _template_active_check(data.template_id)]
    try:
        table.transact(ops)
    except table.TransactionFailed as exc:
        if exc.failed_at(len(ops) - 1):  # deactivated or deleted meanwhile
            raise ValidationFailed.field("template_id", "no active template has this id") from None
        raise
    return cv_data.public_cv(cv)


def _template_active_check(template_id: str) -> dict:
    """In the same transaction as a CV starting to use a template: it is still there and active
    (an admin deleting it at the same moment either sees the CV's live_cvs or fails it)."""
    return table.condition_op(*templates.template_key(template_id), "is_active = :yes", yes=True)


def list_mine(owner: Owner, *, limit: int, page: str | None) -> tuple[list[dict], str | None]:
    scope = f"cvs:{owner.key}"
    items, last = cv_data.list_for(owner, limit=limit, start_key=cursor.decode(page, scope))
    return [cv_data.public_cv(item) for item in items], cursor.encode(last, scope)


def read(owner: Owner, cv_id: str) -> dict[str, Any]:
    return cv_data.public_cv(_owned(owner, cv_id))


def update(owner: Owner, cv_id: str, data: CvUpdateIn) -> dict[str, Any]:
    changes = data.model_dump(exclude_unset=True)
    cv = _owned(owner, cv_id)
    if "content" in changes:
        check_content(changes["content"], owner, claimed_from=cv.get("claimed_from"))
    template = None
    if changes.get("template_id") and changes["template_id"] != cv["template_id"]:
        template = _active_template(changes["template_id"])
    for attempt in range(2):
        paid_level = None
        if template is not None and cv.get("is_paid"):
            # Checked on every read: the CV may have been paid since the last one.
            paid_level = pricing.paid_level(cv)
            missing = pricing.shortfall(cv, template, paid=paid_level)
            if missing:
                raise PaymentRequired(
                    f"This CV is paid up to {missing['currency']} {missing['paid']:,}; {template['id']} costs "
                    f"{missing['price']:,}. Pay the difference of {missing['difference']:,} to switch to it.",
                    code="PAYMENT_REQUIRED", details=[missing])
        try:
            updated = _apply_update(owner, cv, changes, paid_name.check(cv, changes.get("content")),
                                    paid_level=paid_level)
            break
        except table.ConditionFailed:
            # Deleted or moved (404), or changed or paid meanwhile: read again, retry once.
            cv = _owned(owner, cv_id)
            if attempt:
                raise Conflict("The CV changed while saving. Load it again and retry.",
                               code="CONCURRENT_UPDATE") from None
    if updated.get("is_paid"):
        renders.enqueue(cv_id, updated["content_version"])
    return cv_data.public_cv(updated)


def _apply_update(owner: Owner, cv: dict[str, Any], changes: dict[str, Any],
                  name_lock: cv_data.NameLock, *, paid_level: int | None = None) -> dict[str, Any]:
    sets = ["updated_at = :now", *name_lock.sets]
    values: dict[str, Any] = {"now": clock.now_iso(), "one": 1, "owner": owner.key, **name_lock.values}
    condition = cv_data.owned_condition() + (f" AND {name_lock.condition}" if name_lock.condition else "")
    removes = name_lock.removes
    if "title" in changes:
        sets.append("title = :title")
        values["title"] = changes["title"]
    if "template_id" in changes:
        sets.append("template_id = :template")
        values["template"] = changes["template_id"]
        if changes["template_id"] != cv["template_id"]:
            # The admin index (gsi3) names the template and the paid state: keep it right.
            sets.append("gsi3pk = :template_index")
            values["template_index"] = cv_data.template_index(cv, template_id=changes["template_id"])["gsi3pk"]
            condition += " AND is_paid = :paid"
            values["paid"] = bool(cv.get("is_paid"))
            if paid_level is not None:
                # A CV paid before payments recorded their price is paid up to its template's
                # price: keep that level when it moves to a cheaper template.
                sets.append("paid_amount = if_not_exists(paid_amount, :paid_level)")
                values["paid_level"] = paid_level
    if "content" in changes:
        sets.append("content_json = :content")
        values["content"] = cv_data.dump_content(changes["content"])
    if cv.get("is_paid"):
        sets.append("pdf_status = :rendering")
        values["rendering"] = "rendering"
    if changes.get("template_id") and changes["template_id"] != cv["template_id"]:
        return _update_moving_template(cv, sets, removes, values, changes["template_id"], condition)
    return table.update(*cv_data.cv_key(cv["id"]), table.set_remove(sets, removes) + " ADD content_version :one",
                        condition=condition, return_new=True, **values)


def _update_moving_template(cv: dict[str, Any], sets: list[str], removes: list[str], values: dict[str, Any],
                            new_template: str, condition: str) -> dict[str, Any]:
    """The update as one transaction with both templates' live_cvs counters. It is conditioned
    on the version read, so the item it returns (the read one plus the changes) is exact."""
    values = {**values, "version": cv["content_version"], "old_template": cv["template_id"]}
    ops = [table.update_op(*cv_data.cv_key(cv["id"]), table.set_remove(sets, removes) + " ADD content_version :one",
                           condition=condition + " AND content_version = :version"
                           " AND template_id = :old_template", **values),
           counters.live_cv_op(cv["template_id"], -1), counters.live_cv_op(new_template, +1),
           _template_active_check(new_template)]
    try:
        table.transact(ops)
    except table.TransactionFailed as exc:
        if exc.failed_at(len(ops) - 1):
            raise ValidationFailed.field("template_id", "no active template has this id") from None
        if exc.failed_at(0):
            raise table.ConditionFailed() from None  # update() reads the CV again
        raise
    updated = {**cv, "updated_at": values["now"], "template_id": new_template,
               "content_version": cv["content_version"] + 1}
    if "title" in values:
        updated["title"] = values["title"]
    if "content" in values:
        updated["content_json"] = values["content"]
    if "rendering" in values:
        updated["pdf_status"] = "rendering"
    if "template_index" in values:
        updated["gsi3pk"] = values["template_index"]
    return updated


def delete(owner: Owner, cv_id: str) -> None:
    """Soft delete; the template's live_cvs goes down in the same transaction. The owner may
    restore it for 30 days (chapchap/cvs/restore.py); an unpaid one is purged after that."""
    for _ in range(3):
        cv = _owned(owner, cv_id)
        try:
            table.transact([
                cv_data.soft_delete_op(cv, clock.now(), listed=True,
                                       condition=cv_data.owned_condition() + " AND template_id = :template",
                                       owner=owner.key, template=cv["template_id"]),
                counters.live_cv_op(cv["template_id"], -1)])
            return
        except table.TransactionFailed as exc:
            if not exc.failed_at(0):
                raise
            # Deleted meanwhile (the next read says 404), its template changed or it was paid:
            # read again.
    raise Conflict("The CV changed while deleting it. Please try again.", code="CONCURRENT_UPDATE")


def duplicate(owner: Owner, cv_id: str) -> dict[str, Any]:
    source = _owned(owner, cv_id)
    title = source["title"]
    copy = cv_data.new_cv(owner=owner, template_id=source["template_id"],
                          title=(title if len(title) <= 113 else title[:113]) + " (copy)",
                          content=cv_data.content_of(source))
    copy["duplicated_from"] = cv_id
    table.transact([table.put_op(copy, condition="attribute_not_exists(pk)"),
                    *counters.add_ops({"cvs": 1}, template_id=copy["template_id"], template_only={"live_cvs": 1},
                                      day_only=_funnel_of(owner))])
    return cv_data.public_cv(copy)


def handover_ops(anonymous_id: str | None, user_id: str) -> list[dict]:
    """Operations that move every CV of an anonymous id to a user (one Query to find them)."""
    if not anonymous_id:
        return []
    anonymous = Owner("anon", anonymous_id.lower())
    return [cv_data.handover_op(cv_id, anonymous, user_id)
            for cv_id in cv_data.anonymous_cv_ids(anonymous.id, limit=HANDOVER_LIMIT)]
