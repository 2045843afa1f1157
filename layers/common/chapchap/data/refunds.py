"""Flagged payments and their resolution (refunded or dismissed).

    FLAGGED#PAYMENTS / <created_at>#<reference>   one per payment flagged and not yet resolved
                                                  (a sparse index kept by hand: written in the
                                                  same write as the flag, deleted in the same
                                                  transaction as the resolution). Flagged
                                                  payments are few and leave on resolve, so one
                                                  partition holds them; the admin list reads
                                                  a page of it, then the payments by key.
    REFUND#<date> / <refunded_at>#<reference>     one per refund, on its business day: what
                                                  the daily rollup sums (`amount` is what left
                                                  revenue, 0 for money never counted)

The payment itself keeps `resolution` ({action, reason, refund_reference, refunded_amount,
flag, refund_due, at, by}); its presence makes a second resolution fail its condition.
"""
from __future__ import annotations

from typing import Any

from chapchap import clock
from chapchap.data import table
from chapchap.data.payments import payment_key

FLAGGED = "FLAGGED#PAYMENTS"


def flag_key(payment: dict[str, Any]) -> tuple[str, str]:
    return FLAGGED, f"{payment['created_at']}#{payment['reference']}"


def flag_index_op(payment: dict[str, Any], *, kind: str) -> dict:
    """The index entry of a payment being flagged (`mismatch` or `duplicate`)."""
    pk, sk = flag_key(payment)
    return table.put_op({"pk": pk, "sk": sk, "type": "payment_flag", "reference": payment["reference"],
                         "kind": kind, "created_at": payment["created_at"], "flagged_at": clock.now_iso()})


def flagged_page(*, lower: str, upper: str, limit: int, newest_first: bool,
                 start_key: dict | None) -> tuple[list[dict[str, Any]], dict | None]:
    """A page of the flagged index for payments created in [lower, upper] (UTC ISO bounds)."""
    return table.query(pk=FLAGGED, sk_condition="sk BETWEEN :lower AND :upper",
                       sk_values={"lower": lower, "upper": upper}, limit=limit,
                       forward=not newest_first, start_key=start_key)


def payments_of(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The payments an index page names, in its order (one BatchGetItem)."""
    found = table.batch_get([payment_key(e["reference"]) for e in entries])
    return [found[payment_key(e["reference"])] for e in entries if payment_key(e["reference"]) in found]


def resolve_op(payment: dict[str, Any], resolution: dict[str, Any]) -> dict:
    """Resolve a payment once, on the state it was read in: no resolution yet, the same
    status, the same flags. The flags leave (the payment no longer needs attention); what
    they said stays in `resolution`."""
    flags, extra = [], {}
    for name in ("flagged", "duplicate_payment"):
        flags.append(f"{name} = :yes" if payment.get(name) else f"attribute_not_exists({name})")
        if payment.get(name):
            extra["yes"] = True
    condition = ("attribute_exists(pk) AND attribute_not_exists(resolution) AND #status = :old_status AND "
                 + " AND ".join(flags))
    return table.update_op(*payment_key(payment["reference"]),
                           "SET resolution = :resolution, updated_at = :now REMOVE flagged, duplicate_payment",
                           condition=condition, names={"#status": "status"}, resolution=resolution,
                           now=resolution["at"], old_status=payment["status"], **extra)


def unflag_op(payment: dict[str, Any]) -> dict:
    """Remove the payment's index entry (a no-op for payments flagged before the index existed)."""
    return table.delete_op(*flag_key(payment))


def refund_op(payment: dict[str, Any], *, refunded_at: str, amount: int) -> dict:
    day = clock.business_date(clock.parse_iso(refunded_at)).isoformat()
    return table.put_op({"pk": f"REFUND#{day}", "sk": f"{refunded_at}#{payment['reference']}", "type": "refund",
                         "reference": payment["reference"], "amount": int(amount), "currency": payment["currency"],
                         "template_id": payment.get("template_id"), "cv_id": payment.get("cv_id"),
                         "refunded_at": refunded_at})
