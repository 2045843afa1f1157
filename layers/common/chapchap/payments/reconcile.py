"""Reconciliation (the schedule): ask Selcom about pending payments old enough that their
webhook should have come, expire those older than a day."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from chapchap import clock
from chapchap.data import payments as pay_data
from chapchap.data import paydesk
from chapchap.errors import ApiError
from chapchap.observability import logger
from chapchap.payments import confirm as confirming
from chapchap.payments import fail, selcom

RECONCILE_MIN_AGE = timedelta(minutes=2)
EXPIRE_AFTER = timedelta(hours=24)


def reconcile(*, min_age: timedelta = RECONCILE_MIN_AGE, max_pages: int = 20,
              page_size: int = 50) -> dict[str, int]:
    """Ask Selcom about pending payments older than `min_age` (two minutes on the schedule,
    so a webhook on its way is not raced); expire those older than a day."""
    now = clock.now()
    summary = {"checked": 0, "completed": 0, "failed": 0, "expired": 0, "errors": 0}
    start_key = None
    for _ in range(max_pages):
        items, start_key = pay_data.pending_before(clock.iso(now - min_age), limit=page_size,
                                                   start_key=start_key)
        for payment in items:
            summary["checked"] += 1
            try:
                after = confirming.confirm(payment, source="reconciliation")
                if after["status"] == "pending" and clock.parse_iso(payment["created_at"]) < now - EXPIRE_AFTER:
                    _expire(payment)
                    after = {**after, "status": "expired"}
            except ApiError as exc:
                summary["errors"] += 1
                logger.warning("reconciliation could not check a payment",
                               extra={"reference": payment["reference"], "code": exc.code})
                continue
            if after["status"] in ("completed", "failed", "expired"):
                summary[after["status"]] += 1
            elif after["status"] == "cancelled":
                summary["failed"] += 1
        if not start_key:
            break
    logger.info("reconciliation done", extra=summary)
    return summary


def _expire(payment: dict[str, Any]) -> None:
    cancel = "cancelled at Selcom"
    try:
        selcom.client().cancel_order(payment["reference"])
    except ApiError as exc:
        cancel = f"cancel refused or failed: {exc.code}"
        logger.warning("could not cancel an expired order at Selcom", extra={"reference": payment["reference"],
                                                                            "code": exc.code})
    fail.leave_pending(payment, "expired", also=[paydesk.step_op(payment["reference"], "expired", cancel=cancel,
                                                               created_at=payment["created_at"])])
