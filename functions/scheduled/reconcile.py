"""Every 5 minutes: settle pending payments with Selcom's order-status; expire stale ones."""
from chapchap import payments
from chapchap.observability import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event, context):
    return payments.reconcile()
