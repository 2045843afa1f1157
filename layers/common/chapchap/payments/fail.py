"""A pending payment that will not complete: failed (Selcom refused the order, or the payer's
network did), cancelled by the payer, or expired unpaid. One conditional transaction moves it
out of `pending` and counts it in the funnel (`payments_failed`, by method and network), so a
payment counts as failed at most once however many webhooks, checks and runs see it fail."""
from __future__ import annotations

from typing import Any

from chapchap import clock
from chapchap.analytics import funnel
from chapchap.data import counters, table
from chapchap.data import payments as pay_data


def leave_pending(payment: dict[str, Any], status: str, *, also: list[dict] | None = None, **fields: Any) -> bool:
    """Move `payment` from pending to `status`; False when it was not pending any more.
    `also`: more writes that hold only if the move does (the desk's record of the step)."""
    try:
        table.transact([pay_data.leave_pending_op(payment["reference"], status, **fields),
                        *counters.add_ops(funnel.payment_step("payments_failed", payment),
                                          day=clock.business_date()),
                        *(also or [])])
    except table.TransactionFailed:
        return False
    return True
