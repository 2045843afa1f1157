"""Payments and the raw webhooks Selcom sent. Money items are never deleted.

    PAYMENT#<reference> / PAYMENT     the payment; its id IS the reference we gave Selcom as
                                      order_id (short, unique by the key's condition)
    gsi1: USERPAY#<user id> / <created_at>#<reference>    the user's payments, newest first
    gsi2: PAYSTATUS#pending / <created_at>#<reference>    pending only (sparse): reconciliation
    gsi3: PAYMENTS#<YYYY-MM> / <created_at>#<reference>   every payment by creation month (admin)
    PAYDONE#<date> / <completed_at>#<reference>   one per completion, on its business day (rollup)
    WEBHOOK#<uuid> / WEBHOOK          every callback as received (body, safe headers, time); TTL
                                      400 days, 7 when it names no payment of ours
    gsi1: WEBHOOKS#<order id> / <received_at>             the callbacks of one order
"""
from __future__ import annotations

import secrets
from typing import Any

from chapchap import clock
from chapchap.data import table

PENDING_INDEX = "PAYSTATUS#pending"
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud to support on the phone


def payment_key(reference: str) -> tuple[str, str]:
    return f"PAYMENT#{reference}", "PAYMENT"


def new_reference() -> str:
    return "CV" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def new_payment(*, reference: str, user: dict[str, Any], cv: dict[str, Any], amount: int, currency: str,
                method: str, phone: str | None, template_id: str | None = None,
                paid_before: int = 0) -> dict[str, Any]:
    """A pending payment for `template_id` (default: the CV's): `amount` is what it charges,
    `paid_before` what the CV was paid up to when it was priced (an upgrade pays the rest),
    `template_price` the two together: the level the CV is paid up to once it completes."""
    moment = clock.now()
    now = clock.iso(moment)
    pk, sk = payment_key(reference)
    return {
        "pk": pk, "sk": sk, "type": "payment", "id": reference, "reference": reference,
        "cv_id": cv["id"], "cv_title": cv["title"], "template_id": template_id or cv["template_id"],
        "template_price": int(amount) + int(paid_before), "paid_before": int(paid_before),
        "user_id": user["id"], "buyer_email": user["email"], "buyer_name": user["full_name"],
        "amount": int(amount), "currency": currency, "method": method, "phone": phone,
        "status": "pending", "transaction_id": None, "created_at": now, "updated_at": now,
        "completed_at": None, "business_date": clock.business_date().isoformat(),
        "gsi1pk": f"USERPAY#{user['id']}", "gsi1sk": f"{now}#{reference}",
        "gsi2pk": PENDING_INDEX, "gsi2sk": f"{now}#{reference}",
        "gsi3pk": f"PAYMENTS#{clock.business_month(moment)}", "gsi3sk": f"{now}#{reference}",
    }


def completion_op(payment: dict[str, Any], *, completed_at: str, paid_cv: bool) -> dict:
    """The day's record of a completion: what the daily rollup sums, read by day only."""
    day = clock.business_date(clock.parse_iso(completed_at)).isoformat()
    return table.put_op({"pk": f"PAYDONE#{day}", "sk": f"{completed_at}#{payment['reference']}",
                         "type": "payment_completion", "reference": payment["reference"],
                         "amount": payment["amount"], "currency": payment["currency"],
                         "template_id": payment["template_id"], "cv_id": payment["cv_id"],
                         "user_id": payment["user_id"], "paid_cv": paid_cv, "completed_at": completed_at})


def public_payment(payment: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": payment["id"], "reference": payment["reference"], "cv_id": payment["cv_id"],
        "amount": payment["amount"], "currency": payment["currency"], "template_id": payment.get("template_id"),
        "template_price": template_price(payment), "method": payment["method"], "status": payment["status"], "transaction_id": payment.get("transaction_id"),
        "created_at": payment["created_at"], "completed_at": payment.get("completed_at"),
    }


def template_price(payment: dict[str, Any]) -> int:
    """The level a payment pays a CV up to (payments made before upgrades existed: their amount)."""
    return int(payment.get("template_price", payment["amount"]))


def claim_status_check(reference: str, *, interval_seconds: int) -> bool:
    """Take the payment's turn to ask Selcom about it: True at most once per `interval_seconds`
    per payment, whoever asks (verify or a webhook); False when another asked within it."""
    from datetime import timedelta

    cutoff = clock.iso(clock.now() - timedelta(seconds=interval_seconds))
    try:
        table.update(*payment_key(reference), "SET last_checked_at = :now",
                     condition="attribute_exists(pk) AND "
                               "(attribute_not_exists(last_checked_at) OR last_checked_at < :cutoff)",
                     now=clock.now_iso(), cutoff=cutoff)
    except table.ConditionFailed:
        return False
    return True


def get(reference: str, *, consistent: bool = True) -> dict[str, Any] | None:
    return table.get(*payment_key(reference), consistent=consistent)


def list_for_user(user_id: str, *, limit: int, start_key: dict | None) -> tuple[list[dict], dict | None]:
    return table.query(index="gsi1", pk_name="gsi1pk", pk=f"USERPAY#{user_id}", limit=limit,
                       forward=False, start_key=start_key)


def pending_before(before_iso: str, *, limit: int, start_key: dict | None = None) -> tuple[list[dict], dict | None]:
    """Pending payments created before a moment, oldest first (one Query per page)."""
    return table.query(index="gsi2", pk_name="gsi2pk", pk=PENDING_INDEX, sk_condition="gsi2sk < :before",
                       sk_values={"before": before_iso}, limit=limit,
                       forward=True, start_key=start_key)


def leave_pending_op(reference: str, status: str, *, allowed_from: tuple[str, ...] = ("pending",),
                     **fields: Any) -> dict:
    """Move a payment to `status` (only from `allowed_from`), leaving the pending index."""
    sets = ["#status = :status", "updated_at = :now"] + [f"{k} = :{k}" for k in fields]
    conditions = " OR ".join(f"#status = :from{i}" for i in range(len(allowed_from)))
    return table.update_op(*payment_key(reference), "SET " + ", ".join(sets) + " REMOVE gsi2pk, gsi2sk",
                           condition=f"attribute_exists(pk) AND ({conditions})",
                           names={"#status": "status"}, status=status, now=clock.now_iso(),
                           **{f"from{i}": s for i, s in enumerate(allowed_from)}, **fields)


WEBHOOK_TTL_DAYS = 400           # a payment's callbacks: kept as long as the money questions last
UNKNOWN_WEBHOOK_TTL_DAYS = 7     # callbacks naming no payment of ours: anyone can send them


def record_webhook(*, body: str, headers: dict[str, str], order_id: str | None) -> str:
    import uuid

    webhook_id = str(uuid.uuid4())
    now = clock.now_iso()
    item = {"pk": f"WEBHOOK#{webhook_id}", "sk": "WEBHOOK", "type": "webhook", "id": webhook_id,
            "body": body[:50_000], "headers": headers, "order_id": order_id, "received_at": now,
            "gsi1pk": f"WEBHOOKS#{order_id or 'unknown'}", "gsi1sk": now,
            "ttl": clock.epoch_seconds() + WEBHOOK_TTL_DAYS * 86400}
    table.transact([table.put_op(item)])
    return webhook_id


def short_lived(days: int = UNKNOWN_WEBHOOK_TTL_DAYS) -> dict[str, int]:
    """Fields for `annotate_webhook` that let a callback for no payment of ours expire soon."""
    return {"ttl": clock.epoch_seconds() + days * 86400}


def annotate_webhook(webhook_id: str, **fields: Any) -> None:
    sets = ", ".join(f"#{k} = :{k}" for k in fields)
    table.update(f"WEBHOOK#{webhook_id}", "WEBHOOK", f"SET {sets}", names={f"#{k}": k for k in fields}, **fields)
