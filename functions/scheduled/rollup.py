"""Just after midnight (business time): the analytics record of the day that ended.

`{"date": "YYYY-MM-DD"}` recomputes any past day, `{"from": ..., "to": ...}` a range
(backfill); running it again gives the same records.
"""
from chapchap.analytics import rollup as analytics
from chapchap.observability import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event, context):
    summary = analytics.run(event)
    logger.info("daily rollup done", extra={"days": [d["date"] for d in summary["days"]]})
    return summary
