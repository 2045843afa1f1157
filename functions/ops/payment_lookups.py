"""Operator: give payments made before the support desk's lookup items existed their items, so
`GET /api/admin/payments?q=` finds them. `{"from": "YYYY-MM", "to": "YYYY-MM"}` (default this
business month, at most 12 months a run); running it twice is harmless."""
from chapchap.admin import desk
from chapchap.observability import logger


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    summary = desk.backfill_lookups(event if isinstance(event, dict) else {})
    logger.info("payment lookups backfilled", extra=summary)
    return summary
