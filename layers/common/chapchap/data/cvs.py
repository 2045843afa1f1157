"""CVs.

    CV#<id> / CV     the CV; `content_json` holds the content as the client sent it (a JSON
                     string: no DynamoDB nesting or number limits, byte-for-byte kept);
                     `paid_amount`: the price it is paid up to (pricing.py)
    gsi1: OWNER#USER#<user id> | OWNER#ANON#<anonymous id>  /  <created_at>#<id>
                     the owner's CVs newest first; rewritten on soft delete, so lists need
                     no filter and cost only their page
    gsi1: DELETED#OWNER#...  /  <deleted_at>#<id>
                     after the owner deleted it: their deleted CVs, newest deleted first
                     (restore lists only the last RESTORE_DAYS by a key condition)
    ttl              on a deleted unpaid CV: deleted_at + RESTORE_DAYS, DynamoDB purges it
    gsi2: CVS#<k>#<YYYY-MM> / <created_at>#<id>
                     every CV by creation month (admin, rollup), in shard k = index_shard(id)
    gsi3: CVTPL#<template id>#<paid|unpaid>#<k>#<YYYY-MM> / <created_at>#<id>
                     CVs of one template and paid state by creation month, same shard k (admin
                     filters and sort=template); rewritten whenever the template or the paid
                     state changes, always in the CV's own shard

Why shards: both indexes project the whole CV (ALL), so every edit of a CV writes its ~2 KB to
its month bucket, and one partition takes 1,000 WCU/s. Readers merge the INDEX_SHARDS
sub-buckets of a month (data/merged.py) plus the legacy one: CVs written before the buckets
were sharded keep `CVS#<YYYY-MM>` and `CVTPL#<t>#<paid|unpaid>#<YYYY-MM>` until a backfill
rewrites their keys (then LEGACY_BUCKETS = False drops them from the reads). A legacy
CV's gsi3 moves into its shard at its next template or payment change; it is in one bucket
at every moment, so it is listed once. Old and new keys cannot meet: a new key has one more
`#`-separated part (template ids have no `#`) and a month never starts with a shard digit
and `#`.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chapchap import clock
from chapchap.data import table


# How long an owner may bring a deleted CV back; also when an unpaid one is purged.
RESTORE_DAYS = 30
# `ttl` is a reserved word in DynamoDB expressions.
TTL_NAMES = {"#ttl": "ttl"}
# Sub-buckets of each CV month bucket (gsi2 CVS#, gsi3 CVTPL#). 4 x 1,000 WCU/s holds ~2,000
# edits a second of 2 KB CVs created this month, even if all of them use one template: twice
# the 1,000 writes a second the service is built for, while a list page reads 4 partitions
# (+1 legacy) per bucket instead of one. A constant, not a stage parameter: the shard is part
# of every stored CV's keys, so changing it needs a rewrite of those keys (docs/scale.md).
INDEX_SHARDS = 4
# Readers also read the unsharded buckets of CVs written before INDEX_SHARDS existed; False
# once a backfill has rewritten those CVs' gsi2/gsi3 keys into their shards.
LEGACY_BUCKETS = True


@dataclass(frozen=True)
class Owner:
    kind: str  # "user" | "anon"
    id: str

    @property
    def key(self) -> str:
        return f"OWNER#{'USER' if self.kind == 'user' else 'ANON'}#{self.id}"


def cv_key(cv_id: str) -> tuple[str, str]:
    return f"CV#{cv_id}", "CV"


def index_shard(cv_id: str) -> int:
    """The CV's sub-bucket: stable (a hash of the id, never of anything that changes) and
    spread evenly whatever the ids look like."""
    return int.from_bytes(hashlib.sha256(cv_id.encode("utf-8")).digest()[:4], "big") % INDEX_SHARDS


def _with_legacy(base: str) -> list[str]:
    return [*([base] if LEGACY_BUCKETS else []), *(f"{base}#{k}" for k in range(INDEX_SHARDS))]


def bucket_prefixes() -> list[str]:
    """Every gsi2 prefix of the CV month buckets (`<prefix>#<YYYY-MM>`): legacy, then shards."""
    return _with_legacy("CVS")


def _template_base(template_id: str, is_paid: bool) -> str:
    return f"CVTPL#{template_id}#{'paid' if is_paid else 'unpaid'}"


def template_prefixes(template_id: str, is_paid: bool) -> list[str]:
    """Every gsi3 prefix of one template and paid state: legacy, then shards."""
    return _with_legacy(_template_base(template_id, is_paid))


def created_index(cv_id: str, moment: datetime) -> dict[str, str]:
    """gsi2 of a CV created at `moment`."""
    return {"gsi2pk": f"CVS#{index_shard(cv_id)}#{clock.business_month(moment)}",
            "gsi2sk": f"{clock.iso(moment)}#{cv_id}"}


def template_index(cv: dict[str, Any], *, template_id: str | None = None,
                   is_paid: bool | None = None) -> dict[str, str]:
    """gsi3 of a CV, with its template and paid state (or the ones it is about to get), in
    the CV's own shard."""
    template_id = template_id if template_id is not None else cv["template_id"]
    is_paid = bool(cv.get("is_paid")) if is_paid is None else is_paid
    month = clock.business_month(clock.parse_iso(cv["created_at"]))
    return {"gsi3pk": f"{_template_base(template_id, is_paid)}#{index_shard(cv['id'])}#{month}",
            "gsi3sk": f"{cv['created_at']}#{cv['id']}"}


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
        **created_index(cv_id, moment),
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
    # Paid CVs are never purged: a payment completing after the delete takes the TTL away.
    expression += " REMOVE #ttl"
    return table.update_op(*cv_key(cv["id"]), expression, condition=condition, names=TTL_NAMES, **values)


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


# ---------------------------------------------------------------- delete and restore
def deleted_index(owner_key: str) -> str:
    """gsi1 partition of the CVs an owner deleted (sparse: only deleted CVs carry it)."""
    return f"DELETED#{owner_key}"


def restorable_until(cv: dict[str, Any]) -> datetime:
    return clock.parse_iso(cv["deleted_at"]) + timedelta(days=RESTORE_DAYS)


def soft_delete_op(cv: dict[str, Any], moment: datetime, *, listed: bool, condition: str,
                   deleted_by: str | None = None, **condition_values: Any) -> dict:
    """Mark a CV deleted, in the delete's transaction. It leaves its owner's list; with
    `listed` (the owner deleted it) it enters the owner's deleted list, else (an admin did)
    only an admin brings it back. Unpaid CVs get a `ttl`: DynamoDB purges them after
    RESTORE_DAYS. The caller conditions on `is_paid` as read, so a payment landing meanwhile
    cannot leave a paid CV with a ttl."""
    now = clock.iso(moment)
    owner_key = cv.get("gsi1pk") if str(cv.get("gsi1pk") or "").startswith("OWNER#") else None
    sets = ["deleted_at = :now", "deleted_from = :from", "updated_at = :now"]
    removes: list[str] = []
    values: dict[str, Any] = {"now": now, "from": owner_key or "none", "paid": bool(cv.get("is_paid"))}
    if listed and owner_key:
        sets += ["gsi1pk = :deleted_index", "gsi1sk = :deleted_sort"]
        values.update(deleted_index=deleted_index(owner_key), deleted_sort=f"{now}#{cv['id']}")
    else:
        removes += ["gsi1pk", "gsi1sk"]
    if deleted_by:
        sets.append("deleted_by = :by")
        values["by"] = deleted_by
    names = None
    if not cv.get("is_paid"):
        sets.append("#ttl = :ttl")
        values["ttl"] = clock.epoch_seconds(moment + timedelta(days=RESTORE_DAYS))
        names = TTL_NAMES
    return table.update_op(*cv_key(cv["id"]), table.set_remove(sets, removes),
                           condition=f"({condition}) AND is_paid = :paid", names=names,
                           **values, **condition_values)


def restore_op(cv: dict[str, Any], moment: datetime, *, owner_key: str | None,
               extra_condition: str | None = None, **condition_values: Any) -> tuple[dict, dict[str, Any]]:
    """Bring a deleted CV back: back in `owner_key`'s list where it was (its created sort key),
    no longer deleted, no ttl. Conditioned on the deleted state as read. Returns the operation
    and the CV as it will be stored."""
    now = clock.iso(moment)
    sets = ["updated_at = :now", "restored_at = :now"]
    removes = ["deleted_at", "deleted_from", "deleted_by", "#ttl"]
    values: dict[str, Any] = {"now": now, "deleted_at": cv["deleted_at"], "template": cv["template_id"]}
    after = {k: v for k, v in cv.items() if k not in ("deleted_at", "deleted_from", "deleted_by", "ttl")}
    after.update(updated_at=now, restored_at=now)
    if owner_key:
        sets += ["gsi1pk = :owner", "gsi1sk = :owner_sort"]
        values.update(owner=owner_key, owner_sort=f"{cv['created_at']}#{cv['id']}")
        after.update(gsi1pk=owner_key, gsi1sk=values["owner_sort"])
    else:
        removes += ["gsi1pk", "gsi1sk"]
        after.pop("gsi1pk", None)
        after.pop("gsi1sk", None)
        if cv.get("user_id"):  # its account is gone: unowned, like the CVs of a deleted user
            sets.append("former_user_id = :former")
            removes.append("user_id")
            values["former"] = cv["user_id"]
            after["former_user_id"] = after.pop("user_id")
    condition = "deleted_at = :deleted_at AND template_id = :template"
    if extra_condition:
        condition += f" AND {extra_condition}"
    op = table.update_op(*cv_key(cv["id"]), table.set_remove(sets, removes), condition=condition,
                         names=TTL_NAMES, **values, **condition_values)
    return op, after


def list_deleted(owner: Owner, *, since: datetime, limit: int,
                 start_key: dict | None) -> tuple[list[dict], dict | None]:
    """The owner's CVs deleted at or after `since`, newest deleted first: one Query whose key
    condition stops at `since`, so older deletions (and purged ones) cost nothing."""
    return table.query(index="gsi1", pk_name="gsi1pk", pk=deleted_index(owner.key),
                       sk_condition="gsi1sk >= :since", sk_values={"since": clock.iso(since)},
                       limit=limit, forward=False, start_key=start_key)


# ---------------------------------------------------------------- the paid CV's name (chapchap/cvs/paid_name.py)
@dataclass
class NameLock:
    """What an owner's content update adds to its write: SET/REMOVE clauses, a condition
    (empty: none) and its values."""

    sets: list[str] = field(default_factory=list)
    removes: list[str] = field(default_factory=list)
    condition: str = ""
    values: dict[str, Any] = field(default_factory=dict)


def name_lock(*, paid: bool, seen: str | None = None, lock: str = "") -> NameLock:
    """Unpaid as read: still unpaid when written, and no locked name. Paid: `locked_name` as
    read (`seen`, None when absent), then `lock` (when not empty)."""
    if not paid:
        return NameLock(removes=["locked_name"], condition="is_paid = :name_unpaid", values={"name_unpaid": False})
    if seen is not None:
        condition, values = "locked_name = :name_seen", {"name_seen": seen}
    else:
        condition, values = "attribute_not_exists(locked_name)", {}
    if not lock:
        return NameLock(condition=condition, values=values)
    return NameLock(sets=["locked_name = :name_lock"], condition=condition, values={**values, "name_lock": lock})
