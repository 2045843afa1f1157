"""CVs.

    CV#<id> / CV     the CV; `content_json` holds the content as the client sent it (a JSON
                     string: no DynamoDB nesting or number limits, byte-for-byte kept);
                     `paid_amount`: the price it is paid up to (pricing.py)
    gsi1: OWNER#USER#<user id> | OWNER#ANON#<anonymous id>  /  <created_at>#<id>
                     the owner's CVs newest first; removed on soft delete, so lists need
                     no filter and cost only their page
    gsi2: CVS#<YYYY-MM> / <created_at>#<id>     every CV by creation month (admin, rollup)
    gsi3: CVTPL#<template id>#<paid|unpaid>#<YYYY-MM> / <created_at>#<id>
                     CVs of one template and paid state by creation month (admin filters and
                     sort=template); rewritten whenever the template or the paid state changes
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from chapchap import clock
from chapchap.data import table


@dataclass(frozen=True)
class Owner:
    kind: str  # "user" | "anon"
    id: str

    @property
    def key(self) -> str:
        return f"OWNER#{'USER' if self.kind == 'user' else 'ANON'}#{self.id}"


def cv_key(cv_id: str) -> tuple[str, str]:
    return f"CV#{cv_id}", "CV"


def template_prefix(template_id: str, is_paid: bool) -> str:
    return f"CVTPL#{template_id}#{'paid' if is_paid else 'unpaid'}"


def template_index(cv: dict[str, Any], *, template_id: str | None = None,
                   is_paid: bool | None = None) -> dict[str, str]:
    """gsi3 of a CV, with its template and paid state (or the ones it is about to get)."""
    template_id = template_id if template_id is not None else cv["template_id"]
    is_paid = bool(cv.get("is_paid")) if is_paid is None else is_paid
    month = clock.business_month(clock.parse_iso(cv["created_at"]))
    return {"gsi3pk": f"{template_prefix(template_id, is_paid)}#{month}", "gsi3sk": f"{cv['created_at']}#{cv['id']}"}


def owner_of(cv: dict[str, Any]) -> Owner | None:
    if cv.get("user_id"):
        return Owner("user", cv["user_id"])
    if cv.get("anonymous_id"):
        return Owner("anon", cv["anonymous_id"])
    return None


def new_cv(*, owner: Owner, template_id: str, title: str, content: dict[str, Any]) -> dict[str, Any]:
    moment = clock.now()
    now = clock.iso(moment)
    cv_id = str(uuid.uuid4())
    pk, sk = cv_key(cv_id)
    cv = {
        "pk": pk, "sk": sk, "type": "cv", "id": cv_id, "title": title, "template_id": template_id,
        "created_template_id": template_id,  # never changes: the rollup counts creations by it
        "content_json": dump_content(content), "content_version": 1,
        "user_id": owner.id if owner.kind == "user" else None,
        "anonymous_id": owner.id if owner.kind == "anon" else None,
        "is_paid": False, "pdf_status": "none", "download_count": 0,
        "created_at": now, "updated_at": now,
        "gsi1pk": owner.key, "gsi1sk": f"{now}#{cv_id}",
        "gsi2pk": f"CVS#{clock.business_month(moment)}", "gsi2sk": f"{now}#{cv_id}",
    }
    return {**cv, **template_index(cv)}


def dump_content(content: dict[str, Any]) -> str:
    """allow_nan=False: the parser already refuses NaN and Infinity; never store them."""
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def content_of(cv: dict[str, Any]) -> dict[str, Any]:
    """The stored content; a NaN or Infinity stored before parsing was strict reads as null,
    so one old CV cannot break every list it is on."""
    return json.loads(cv.get("content_json") or "{}", parse_constant=lambda _: None)


def public_cv(cv: dict[str, Any], *, admin: bool = False) -> dict[str, Any]:
    """The `cv` object of the API (docs/api.md)."""
    shown = {
        "id": cv["id"], "title": cv["title"], "template_id": cv["template_id"],
        "content": content_of(cv), "content_version": cv["content_version"],
        "is_paid": cv.get("is_paid", False), "pdf_status": cv.get("pdf_status", "none"),
        "download_count": cv.get("download_count", 0),
        "created_at": cv["created_at"], "updated_at": cv["updated_at"],
    }
    if admin:
        shown.update(user_id=cv.get("user_id"), anonymous_id=cv.get("anonymous_id"),
                     former_user_id=cv.get("former_user_id"), deleted_at=cv.get("deleted_at"))
    return shown


def get(cv_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
    return table.get(*cv_key(cv_id), consistent=consistent)


def list_for(owner: Owner, *, limit: int, start_key: dict | None,
             newest_first: bool = True) -> tuple[list[dict], dict | None]:
    return table.query(index="gsi1", pk_name="gsi1pk", pk=owner.key, limit=limit,
                       forward=not newest_first, start_key=start_key)


def unown_op(cv_id: str, user_id: str, now: str) -> dict:
    """Detach a CV from a deleted user: it leaves the owner index, `former_user_id` keeps
    the history. Only while the CV is still that user's."""
    return table.update_op(*cv_key(cv_id), "SET former_user_id = :user, updated_at = :now "
                           "REMOVE user_id, gsi1pk, gsi1sk", condition="gsi1pk = :owner",
                           user=user_id, now=now, owner=Owner("user", user_id).key)


def paid_up_op(cv: dict[str, Any], *, level: int, template_id: str, reference: str, now: str) -> dict:
    """A completed payment raises the CV to `level` (the price it is paid up to) on the template
    it paid for: paid, re-rendered, and moved to that template (a new content version) when it
    uses another one. Conditioned on the CV as read: paid state, level, template and version."""
    moves = template_id != cv["template_id"]
    sets = ["is_paid = :yes", "paid_amount = :level", "paid_template_id = :template", "payment_reference = :ref",
            "pdf_status = :rendering", "render_requested_at = :now", "gsi3pk = :template_index", "updated_at = :now"]
    if not cv.get("is_paid"):
        sets.append("paid_at = :now")
    if moves:
        sets.append("template_id = :template")
    condition = ("attribute_exists(pk) AND is_paid = :was_paid AND template_id = :old_template "
                 "AND content_version = :version")
    values: dict[str, Any] = {"yes": True, "level": level, "template": template_id, "ref": reference, "now": now,
                              "rendering": "rendering", "was_paid": bool(cv.get("is_paid")),
                              "old_template": cv["template_id"], "version": cv["content_version"],
                              "template_index": template_index(cv, template_id=template_id, is_paid=True)["gsi3pk"]}
    if cv.get("paid_amount") is None:
        condition += " AND attribute_not_exists(paid_amount)"
    else:
        condition += " AND paid_amount = :old_level"
        values["old_level"] = cv["paid_amount"]
    expression = "SET " + ", ".join(sets) + (" ADD content_version :one" if moves else "")
    if moves:
        values["one"] = 1
    return table.update_op(*cv_key(cv["id"]), expression, condition=condition, **values)


def owned_condition() -> str:
    """Condition for writes by an owner: still theirs and not deleted."""
    return "gsi1pk = :owner AND attribute_not_exists(deleted_at)"


def handover_op(cv_id: str, anonymous: Owner, user_id: str) -> dict:
    """Move one CV from an anonymous id to a user. Only ownership attributes change, so an
    edit committed at the same moment is kept whichever lands first."""
    return table.update_op(
        *cv_key(cv_id),
        "SET user_id = :user, gsi1pk = :new_owner, claimed_from = :anon, updated_at = :now "
        "REMOVE anonymous_id",
        condition="gsi1pk = :old_owner", user=user_id, new_owner=Owner("user", user_id).key,
        anon=anonymous.id, old_owner=anonymous.key, now=clock.now_iso())


def anonymous_cv_ids(anonymous_id: str, *, limit: int = 90) -> list[str]:
    """Ids of an anonymous visitor's CVs (one Query; the hand-over moves at most `limit`
    per sign-in, far beyond what one browser builds)."""
    items, _ = table.query(index="gsi1", pk_name="gsi1pk", pk=Owner("anon", anonymous_id).key, limit=limit)
    return [item["id"] for item in items]
