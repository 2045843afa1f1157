"""Confirming a payment: the one path to `completed`. `confirm` asks Selcom and applies the
answer; `complete` is the one conditional transaction that marks a payment completed, pays
the CV and moves the counters. The webhook, verify, reconciliation and the admin's recheck
all come through here."""
from __future__ import annotations

from typing import Any

from chapchap import clock, messages
from chapchap.analytics import funnel
from chapchap.pdf import queue as renders
from chapchap.data import counters, refunds, table, templates
from chapchap.data import cvs as cv_data
from chapchap.data import payments as pay_data
from chapchap.data import paydesk
from chapchap.errors import Conflict
from chapchap.observability import logger, metrics
from chapchap.templates import pricing
from chapchap.payments import fail, selcom

FAILED_STATUSES = {"REJECTED", "FAILED", "FAIL", "ERROR", "DECLINED"}
CANCELLED_STATUSES = {"CANCEL", "CANCELLED", "CANCELED", "USERCANCELLED", "USERCANCELED"}


def confirm(payment: dict[str, Any], *, source: str, ask_when_completed: bool = False) -> dict[str, Any]:
    """Ask Selcom about a payment and apply the answer. Returns the payment as stored after.
    Every question and its answer (or why none came) is recorded for the payment's story.
    A settled payment (completed, or resolved by an admin: a resolution is final) is not
    asked about, unless `ask_when_completed` (an admin's recheck: the answer is recorded,
    and changes nothing)."""
    settled = payment["status"] == "completed" or bool(payment.get("resolution"))
    if settled and not ask_when_completed:
        return payment
    try:
        status = selcom.client().order_status(payment["reference"])
    except Exception as exc:
        _record_check(payment, source, error=getattr(exc, "code", None) or type(exc).__name__)
        raise
    answer = {"payment_status": status.payment_status, "resultcode": status.resultcode, "amount": status.amount,
              "currency": status.currency, "transid": status.transid, "channel": status.channel,
              "selcom_reference": status.reference}
    after = payment
    try:
        if not payment.get("resolution"):
            after = _apply(payment, status, source)
    finally:
        _record_check(payment, source, answer=answer, status_after=after["status"],
                      flagged=bool(after.get("flagged")))
    return after


def _apply(payment: dict[str, Any], status, source: str) -> dict[str, Any]:
    paid_status = (status.payment_status or "").upper()
    if paid_status == "COMPLETED":
        currency = (status.currency or payment["currency"]).upper()
        if status.amount != payment["amount"] or currency != payment["currency"]:
            _flag_mismatch(payment, status, source)
        elif payment["status"] == "completed":
            return payment  # asked again (a recheck): its completion's condition would refuse anyway
        else:
            complete(payment, transaction_id=status.transid, channel=status.channel,
                     selcom_reference=status.reference, source=source)
    elif paid_status in FAILED_STATUSES | CANCELLED_STATUSES and payment["status"] == "pending":
        new = "cancelled" if paid_status in CANCELLED_STATUSES else "failed"
        fail.leave_pending(payment, new, selcom_status=paid_status)
    return pay_data.get(payment["reference"]) or payment


def _record_check(payment: dict[str, Any], source: str, **fields: Any) -> None:
    try:
        paydesk.record_check(payment["reference"], source=source, status_before=payment["status"], **fields)
    except Exception:  # noqa: BLE001 - the record is for the desk; the answer was applied (or raised)
        logger.warning("could not record a status check", extra={"reference": payment["reference"]})


def complete(payment: dict[str, Any], *, transaction_id: str | None, channel: str | None,
             selcom_reference: str | None, source: str) -> bool:
    """Exactly once: payment completed + CV paid up to the payment's template price (on that
    template) + counters, in one conditional transaction. Returns True when this call made
    the change.

    A payment completes for the template it was priced for, whatever the CV uses now. It
    raises the CV when its price is above what the CV is paid up to; whatever it paid beyond
    that (two orders both paid, or an upgrade started from a level the CV lost) is kept and
    flagged for a refund (`duplicate_payment`, `refund_due`)."""
    reference = payment["reference"]
    template_id = payment["template_id"]
    level = pay_data.template_price(payment)
    paid_before = int(payment.get("paid_before", 0))
    may_move = True
    for _ in range(3):
        cv = cv_data.get(payment["cv_id"], consistent=True)
        now = clock.now()
        fields: dict[str, Any] = {"transaction_id": transaction_id or "", "channel": channel or "",
                                  "completed_at": clock.iso(now), "completed_by": source,
                                  "selcom_reference": selcom_reference or ""}
        paid = pricing.paid_level(cv) if cv else 0
        raises = bool(cv) and level > paid >= paid_before
        refund_due = paid - paid_before if raises else payment["amount"]
        if refund_due:
            # Paid twice for one level: keep the money, flag the excess for a refund.
            fields.update(duplicate_payment=True, refund_due=refund_due)
        flips_cv = raises and not cv.get("is_paid")
        moves = raises and may_move and template_id != cv["template_id"]
        ops = [pay_data.leave_pending_op(reference, "completed",
                                         allowed_from=("pending", "failed", "cancelled", "expired"), **fields)]
        amounts = {"revenue": payment["amount"]}
        if raises:
            ops.append(cv_data.paid_up_op(cv, level=level, template_id=template_id if moves else cv["template_id"],
                                          reference=reference, now=clock.iso(now)))
        if flips_cv:
            amounts["paid_cvs"] = 1
        ops += counters.add_ops(amounts, day=clock.business_date(now), template_id=template_id,
                                template_only={"live_cvs": 1} if moves else None,
                                day_only=funnel.payment_step("payments_completed", payment))
        if moves:
            # The CV leaves its template for the one paid for: live_cvs follows, and that
            # template must still exist (an admin may have deleted it since).
            ops += [counters.live_cv_op(cv["template_id"], -1),
                    table.condition_op(*templates.template_key(template_id), "attribute_exists(pk)")]
        template_check_at = len(ops) - 1
        ops.append(pay_data.completion_op(payment, completed_at=fields["completed_at"], paid_cv=flips_cv))
        # Selcom's ids are known only now: the desk finds the payment by them from here on.
        ops += paydesk.completion_lookup_ops(payment, transaction_id=transaction_id,
                                             selcom_reference=selcom_reference)
        if refund_due:
            ops.append(refunds.flag_index_op(payment, kind="duplicate"))  # listed until resolved
        try:
            table.transact(ops)
        except table.TransactionFailed as exc:
            if exc.failed_at(0):
                return False  # completed already, by another webhook, verify or reconciliation
            if moves and exc.failed_at(template_check_at):
                may_move = False  # the template is gone: paid up to its price, on the CV's own
                continue
            if (raises and exc.failed_at(1)) or exc.conflict:
                continue  # the CV changed meanwhile (paid, edited, moved), or a racing write: read again
            raise
        metrics.add_metric(name="PaymentCompleted", unit="Count", value=1)
        metrics.add_metric(name="Revenue", unit="Count", value=payment["amount"])
        logger.info("payment completed", extra={"reference": reference, "source": source})
        if source == "reconciliation":
            # Reconciliation only looks at payments older than a webhook takes: Selcom's webhook
            # was lost or could not be applied. One is chance; several mean the webhook is broken.
            metrics.add_metric(name="PaymentCompletedWithoutWebhook", unit="Count", value=1)
            logger.warning("payment completed by reconciliation, not by its webhook", extra={"reference": reference})
        if refund_due:
            metrics.add_metric(name="PaymentFlagged", unit="Count", value=1)
            logger.warning("payment flagged: part of it bought nothing", extra={"reference": reference})
        if flips_cv or moves:
            renders.enqueue(cv["id"], cv["content_version"] + (1 if moves else 0))
        # Only the call that made the change tells the payer (and the causes' records stop a
        # second telling should anything else try).
        messages.payment_completed(payment)
        return True
    raise Conflict("The CV changed while completing the payment; it will be retried.", code="CONCURRENT_UPDATE")


def _flag_mismatch(payment: dict[str, Any], status, source: str) -> None:
    logger.error("Selcom reports a different amount or currency; not marking paid",
                 extra={"reference": payment["reference"], "expected": payment["amount"], "reported": status.amount})
    metrics.add_metric(name="PaymentMismatch", unit="Count", value=1)
    flag = table.update_op(*pay_data.payment_key(payment["reference"]),
                           "SET flagged = :yes, mismatch = :mismatch, updated_at = :now",
                           condition="attribute_not_exists(flagged) AND attribute_not_exists(resolution)",
                           yes=True, now=clock.now_iso(),
                           mismatch={"expected_amount": payment["amount"], "reported_amount": status.amount,
                                     "expected_currency": payment["currency"], "reported_currency": status.currency,
                                     "transaction_id": status.transid, "seen_by": source,
                                     "seen_at": clock.now_iso()})
    try:
        table.transact([flag, refunds.flag_index_op(payment, kind="mismatch")])
    except table.TransactionFailed:
        # Flagged (or resolved) already, or a racing check flagging it at this moment:
        # reconciliation asks again every run until the payment expires.
        return
    metrics.add_metric(name="PaymentFlagged", unit="Count", value=1)
