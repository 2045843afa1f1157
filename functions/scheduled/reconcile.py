"""Every 5 minutes: settle pending payments with Selcom's order-status; expire stale ones.

An event may carry `min_age_seconds` (0..86400) to settle younger payments now, e.g.
`POST /_local/invoke/ReconcilePaymentsFunction` with `{"min_age_seconds": 0}`.
"""
from datetime import timedelta

from chapchap.payments import reconcile as reconciliation
from chapchap.observability import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event, context):
    requested = (event or {}).get("min_age_seconds") if isinstance(event, dict) else None
    if isinstance(requested, int) and 0 <= requested <= 86400:
        return reconciliation.reconcile(min_age=timedelta(seconds=requested))
    return reconciliation.reconcile()
