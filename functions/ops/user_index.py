"""Operator: give users created before the phone and name search existed their index items, so
`GET /api/admin/users?q=` finds them by phone or name. `{"from": "YYYY-MM", "to": "YYYY-MM"}`
(default this business month, at most 12 months a run); running it twice is harmless."""
from chapchap.data import user_index
from chapchap.observability import logger


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    summary = user_index.backfill_months(event if isinstance(event, dict) else {})
    logger.info("user index backfilled", extra=summary)
    return summary
