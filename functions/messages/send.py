"""SQS consumer: send queued SMS and emails, reporting partial batch failures."""
from typing import Any, Literal

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from chapchap.messages import sender
from chapchap.observability import logger, metrics
from pydantic import BaseModel

# As the PDF function: every failed record is reported, none raises the whole batch.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class QueuedMessage(BaseModel):
    cause: str
    channel: Literal["sms", "email"]
    kind: str
    to: str | None = None
    locale: str = "sw"
    params: dict[str, Any] = {}


def send_record(record: SQSRecord) -> str:
    message = QueuedMessage.model_validate_json(record.body)
    outcome = sender.process(message.model_dump())
    # The cause names the payment or reset, never the address or the text.
    logger.info("message done", extra={"cause": message.cause, "channel": message.channel, "outcome": outcome})
    return outcome


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event, context):
    return process_partial_response(event=event, record_handler=send_record, processor=processor, context=context)
