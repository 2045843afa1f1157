"""Resolving a payment: `refunded` (money went back to the payer) or `dismissed` (a flag that
needs nothing). One transaction, once, on the state read (docs/refunds.md).

What a refund takes out of revenue is exactly what the payment put into it and bought nothing:

    completed, duplicate_payment     refund_due (the whole amount for a second payment of one
                                     level; an upgrade's overlap only, since the rest of it
                                     still pays the CV's higher level)
    completed, not flagged           the amount (the money is returned; the CV stays paid)
    flagged mismatch, not completed  0: a mismatched payment never counted as revenue

It is counted on the refund's business day (`refunds`, `refunded_payments` in the total, day
and template counters, and a `REFUND#<date>` item for the rollup); `revenue` stays gross.
A refund never changes the CV: an admin who wants it unpaid says so with PUT
/api/admin/cvs/{id} (`is_paid: false` and a reason), which counts `paid_cvs` back.
"""
from __future__ import annotations

from typing import Any

from chapchap import audit, clock
from chapchap.admin.payments import admin_payment
from chapchap.data import counters, refunds, table
from chapchap.data import payments as pay_data
from chapchap.errors import Conflict, NotFound, ValidationFailed

ACTIONS = ("refunded", "dismissed")


def flag_of(payment: dict[str, Any]) -> str | None:
    """`mismatch`, `duplicate` or None: why the payment needs attention."""
    if payment.get("flagged"):
        return "mismatch"
    if payment.get("duplicate_payment"):
        return "duplicate"
    return None


def counted_refund(payment: dict[str, Any]) -> int:
    """What a refund of this payment takes out of revenue (see the module's table)."""
    if payment["status"] != "completed":
        return 0
    if payment.get("duplicate_payment"):
        return int(payment.get("refund_due", payment["amount"]))
    return int(payment["amount"])


def resolve(actor: dict[str, Any], reference: str, *, action: str, reason: str,
            refund_reference: str | None) -> dict[str, Any]:
    """Resolve a payment once; returns the admin view of the payment after."""
    if action == "dismissed" and refund_reference:
        raise ValidationFailed.field("refund_reference", "goes with action refunded only")
    payment = pay_data.get(reference)
    if not payment:
        raise NotFound("No such payment.", code="PAYMENT_NOT_FOUND")
    if payment.get("resolution"):
        raise Conflict("This payment was resolved already.", code="ALREADY_RESOLVED")
    flag = flag_of(payment)
    if flag is None and payment["status"] != "completed":
        raise Conflict("Only a flagged or a completed payment can be resolved.", code="PAYMENT_NOT_RESOLVABLE")
    if flag is None and action == "dismissed":
        raise Conflict("Nothing to dismiss: the payment is not flagged.", code="PAYMENT_NOT_FLAGGED")
    moment = clock.now()
    at = clock.iso(moment)
    amount = counted_refund(payment) if action == "refunded" else 0
    resolution = {"action": action, "reason": reason, "refund_reference": refund_reference,
                  "refunded_amount": amount, "flag": flag,
                  "refund_due": int(payment["refund_due"]) if flag == "duplicate" and "refund_due" in payment else None,
                  "at": at, "by": actor["id"]}
    after = {k: v for k, v in payment.items() if k not in ("flagged", "duplicate_payment")}
    after.update(resolution=resolution, updated_at=at)
    ops = [refunds.resolve_op(payment, resolution)]
    if flag:
        ops.append(refunds.unflag_op(payment))
    if action == "refunded":
        ops.append(refunds.refund_op(payment, refunded_at=at, amount=amount))
        ops += counters.add_ops({"refunds": amount, "refunded_payments": 1}, day=clock.business_date(moment),
                                template_id=payment.get("template_id"))
    ops.append(audit.entry_op(actor=actor, action=f"payment.{'refund' if action == 'refunded' else 'dismiss'}",
                              entity="payment", entity_id=reference, before=admin_payment(payment),
                              after=admin_payment(after), reason=reason))
    try:
        audit.admin_transact(actor, ops)
    except table.TransactionFailed as exc:
        if exc.failed_at(0) or exc.conflict:
            now = pay_data.get(reference) or {}
            if now.get("resolution"):
                raise Conflict("This payment was resolved already.", code="ALREADY_RESOLVED") from None
            raise Conflict("The payment changed meanwhile (completed or flagged). Reload and try again.",
                           code="CONCURRENT_UPDATE") from None
        raise
    return admin_payment(after)
