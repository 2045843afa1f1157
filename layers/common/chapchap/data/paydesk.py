"""What the support desk reads about a payment: lookup items to find it from what a caller
has in hand, and the record of every question asked to Selcom about it.

    PAYFIND#<value> / <payment created_at>#<reference>
        one item per (payment, value): `reference`, `field` (reference, phone, email,
        transaction_id, selcom_reference). `value` is `lookup_value(...)`: an email
        case-folded, a phone number as 255XXXXXXXXX, anything else without spaces and
        upper-cased. Written in the transaction that creates the payment (reference, phone,
        email) and in the one that completes it (Selcom's transaction id and reference, known
        only then). The sort key is the payment's creation, so a value's payments read newest
        first in one Query.
    PAYMENT#<reference> / CHECK#<at>#<n>
        one order-status question to Selcom and its answer (`source` webhook, verify,
        reconciliation or recheck; the answer's fields; `status_after`; or `error`); TTL 400
        days, as the webhooks.
    PAYMENT#<reference> / STEP#<at>#<kind>
        a step the schedule took that no check records (`expired`, with Selcom's answer to
        the cancel); TTL 400 days.

Payments made before the lookup items existed get them from `backfill_ops` (the operator's
PaymentLookupBackfillFunction; puts of the same keys: running it twice is harmless).

The CHECK# and STEP# items sit in the payment's own partition, beside `PAYMENT`: one Query
of `PAYMENT#<reference>` reads the payment and its whole history of checks.
"""
from __future__ import annotations

import re
import secrets
from typing import Any

from chapchap import clock
from chapchap.data import payments as pay_data
from chapchap.data import table
from chapchap.phone import InvalidPhone, normalize_phone

TRAIL_TTL_DAYS = pay_data.WEBHOOK_TTL_DAYS
MAX_VALUE = 200


def lookup_value(raw: Any) -> str | None:
    """The one form a searched value and a stored value share, so an exact match needs no
    guessing of what the caller typed: `+255 712 345 678`, `0712345678` and `255712345678`
    meet, as do `Ana@Example.com` and `ana@example.com`."""
    text = str(raw or "").strip()
    if not text or len(text) > MAX_VALUE:
        return None
    if "@" in text:
        return text.casefold()
    try:
        return normalize_phone(text)
    except InvalidPhone:
        pass
    return re.sub(r"\s+", "", text).upper()


def _lookup_op(payment: dict[str, Any], field: str, raw: Any) -> tuple[str, dict] | None:
    value = lookup_value(raw)
    if value is None:
        return None
    item = {"pk": f"PAYFIND#{value}", "sk": f"{payment['created_at']}#{payment['reference']}",
            "type": "payment_lookup", "reference": payment["reference"], "field": field}
    return value, table.put_op(item)


def lookup_ops(payment: dict[str, Any], fields: dict[str, Any], *, known: tuple[Any, ...] = ()) -> list[dict]:
    """Put operations for the lookup items of `fields` ({field: raw value}), one per distinct
    value (a transaction may not name an item twice), leaving out values in `known`: those
    written already (Selcom may use our reference as its transaction id)."""
    seen = {lookup_value(v) for v in known} - {None}
    ops = []
    for field, raw in fields.items():
        found = _lookup_op(payment, field, raw)
        if found and found[0] not in seen:
            seen.add(found[0])
            ops.append(found[1])
    return ops


def creation_lookup_ops(payment: dict[str, Any]) -> list[dict]:
    return lookup_ops(payment, {"reference": payment["reference"], "phone": payment.get("phone"),
                                "email": payment.get("buyer_email")})


def completion_lookup_ops(payment: dict[str, Any], *, transaction_id: str | None,
                          selcom_reference: str | None) -> list[dict]:
    return lookup_ops(payment, {"transaction_id": transaction_id, "selcom_reference": selcom_reference},
                      known=(payment["reference"], payment.get("phone"), payment.get("buyer_email")))


def find(value: str, *, limit: int, start_key: dict | None) -> tuple[list[str], dict | None]:
    """References of the payments matching a lookup value, newest first: one Query."""
    items, last = table.query(pk=f"PAYFIND#{value}", limit=limit, forward=False, start_key=start_key)
    return [i["reference"] for i in items], last


def payments(references: list[str]) -> list[dict[str, Any]]:
    """The payments of `references`, in that order (one BatchGetItem; none for no reference)."""
    found = table.batch_get([pay_data.payment_key(r) for r in references])
    return [found[key] for key in (pay_data.payment_key(r) for r in references) if key in found]


def _trail_item(reference: str, sk: str, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"pk": pay_data.payment_key(reference)[0], "sk": sk, "type": kind, "reference": reference,
            "at": clock.now_iso(), **fields, "ttl": clock.epoch_seconds() + TRAIL_TTL_DAYS * 86400}


def record_check(reference: str, **fields: Any) -> None:
    """One order-status question and its answer (a PutItem of its own: the answer is a fact
    whether or not it changed anything)."""
    at = clock.now_iso()
    table.put(_trail_item(reference, f"CHECK#{at}#{secrets.token_hex(3)}", "payment_check", fields))


def step_op(reference: str, kind: str, **fields: Any) -> dict:
    """A schedule's step, to ride in the transaction that takes it."""
    at = clock.now_iso()
    return table.put_op(_trail_item(reference, f"STEP#{at}#{kind}", "payment_step", {"kind": kind, **fields}))


STORY_PAGES = 3  # 1 MB each: thousands of checks; a payment is asked about a few hundred times at most


def payment_and_trail(reference: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The payment and its CHECK#/STEP# items, oldest first: one Query (a few at most)."""
    found: list[dict] = []
    start_key = None
    for _ in range(STORY_PAGES):
        items, start_key = table.query(pk=pay_data.payment_key(reference)[0], start_key=start_key,
                                       consistent=True)
        found.extend(items)
        if not start_key:
            break
    payment = next((i for i in found if i["sk"] == "PAYMENT"), None)
    return payment, [i for i in found if i["sk"] != "PAYMENT"]


def webhooks_of(reference: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """The callbacks naming this order, oldest first: one Query of gsi1 `WEBHOOKS#<order id>`."""
    items, _ = table.query(index="gsi1", pk_name="gsi1pk", pk=f"WEBHOOKS#{reference}", limit=limit)
    return items


def audit_of(entity: str, entity_id: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """The audit entries about one entity, oldest first: one Query of gsi3
    `AUDITOF#<entity>#<entity id>` (chapchap/audit.py writes it)."""
    items, _ = table.query(index="gsi3", pk_name="gsi3pk", pk=f"AUDITOF#{entity}#{entity_id}", limit=limit)
    return items


def related(*keys: tuple[str, str]) -> dict[tuple[str, str], dict]:
    """The payment's user, CV and message records: one BatchGetItem."""
    return table.batch_get(keys)


def payments_of_month(month: str, *, start_key: dict | None, limit: int = 30) -> tuple[list[dict], dict | None]:
    """One page of the payments created in a business month (gsi3 `PAYMENTS#<YYYY-MM>`)."""
    return table.query(index="gsi3", pk_name="gsi3pk", pk=f"PAYMENTS#{month}", limit=limit, start_key=start_key)


def backfill_ops(payment: dict[str, Any]) -> list[dict]:
    """The lookup items a payment would have had, had it been made after they existed, and
    its entry in the flagged index when it is flagged and unresolved (flagged before the
    index existed). The flagged list re-reads each payment, so an entry of a payment resolved
    meanwhile is never shown."""
    from chapchap.data import refunds

    ops = creation_lookup_ops(payment)
    if payment.get("status") == "completed":
        ops += completion_lookup_ops(payment, transaction_id=payment.get("transaction_id"),
                                     selcom_reference=payment.get("selcom_reference"))
    if not payment.get("resolution") and (payment.get("flagged") or payment.get("duplicate_payment")):
        ops.append(refunds.flag_index_op(payment, kind="mismatch" if payment.get("flagged") else "duplicate"))
    return ops
