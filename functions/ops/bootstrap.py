"""Run once by an operator after the first deploy: the first admin and the starter templates.

    sam remote invoke BootstrapFunction --stack-name <stack> \
        --event '{"admin_email": "you@example.com", "admin_name": "Your Name"}'

No HTTP route: only someone allowed to invoke the function in the AWS account can run it.
Running it again changes nothing. See chapchap.bootstrap and docs/bootstrap.md.
"""
from chapchap import bootstrap
from chapchap.observability import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event, context):
    return bootstrap.from_event(event)
