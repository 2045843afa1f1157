"""The audit log: every admin change (who, what, when, before, after, why).

    AUDIT#<YYYY-MM> / <at>#<id>          by date (business month buckets)
    gsi1: AUDITBY#<actor id> / <at>#<id>     by actor
    gsi2: AUDITON#<entity> / <at>#<id>       by entity type (user, cv, template, settings, ...)
    gsi3: AUDITOF#<entity>#<entity id> / <at>#<id>   by one entity (a payment's story reads it)

`entry_op` goes into the same transaction as the change it describes, so a change and its
audit entry exist together or not at all. `admin_transact` commits such a transaction on the
condition that its actor is still an active admin at that moment. Secrets never enter an entry: callers pass masked
values (see `settings_store.mask`).
"""
from __future__ import annotations

import uuid
from typing import Any

from chapchap import clock
from chapchap.data import table, users
from chapchap.errors import Forbidden


def entry_op(*, actor: dict[str, Any], action: str, entity: str, entity_id: str,
             before: dict[str, Any] | None, after: dict[str, Any] | None, reason: str | None = None) -> dict:
    moment = clock.now()
    at = clock.iso(moment)
    entry_id = uuid.uuid4().hex[:12]
    sort = f"{at}#{entry_id}"
    return table.put_op({
        "pk": f"AUDIT#{clock.business_month(moment)}", "sk": sort, "type": "audit", "id": entry_id,
        "at": at, "actor_id": actor["id"], "actor_email": actor.get("email"), "action": action,
        "entity": entity, "entity_id": entity_id, "before": before, "after": after, "reason": reason,
        "gsi1pk": f"AUDITBY#{actor['id']}", "gsi1sk": sort,
        "gsi2pk": f"AUDITON#{entity}", "gsi2sk": sort,
        "gsi3pk": f"AUDITOF#{entity}#{entity_id}", "gsi3sk": sort,
    })


def public_entry(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item.get(k) for k in ("id", "at", "actor_id", "actor_email", "action", "entity", "entity_id",
                                     "before", "after", "reason")}


def admin_transact(actor: dict[str, Any], operations: list[dict]) -> None:
    """table.transact, with a ConditionCheck that `actor` is still an active admin appended
    (last, so the callers' `failed_at` indexes stay). The request guard read the actor a
    moment before: an admin demoted, suspended or deleted since then changes nothing (403).
    Any other cancellation is the caller's TransactionFailed, as from table.transact."""
    try:
        table.transact([*operations, users.actor_check_op(actor["id"])])
    except table.TransactionFailed as exc:
        if exc.failed_at(len(operations)):
            raise Forbidden("This needs an administrator account.", code="FORBIDDEN") from None
        raise
