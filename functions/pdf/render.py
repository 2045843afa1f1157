"""SQS consumer: render queued CVs to PDF (and template thumbnails), reporting partial batch failures."""
import json
from typing import Literal

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel

from chapchap.pdf import worker as pdf_worker
from chapchap.templates import thumbnails
from chapchap.observability import logger, metrics

# Report every failed record, even when all failed, instead of raising: same retry semantics
# with ReportBatchItemFailures, and the response says which messages failed.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class RenderMessage(BaseModel):
    cv_id: str
    version: int


class ThumbnailMessage(BaseModel):
    kind: Literal["thumbnail"]
    template_id: str
    look: str


def render_record(record: SQSRecord) -> str:
    body = json.loads(record.body)
    if isinstance(body, dict) and body.get("kind") == thumbnails.JOB_KIND:
        job = ThumbnailMessage.model_validate(body)
        outcome = thumbnails.process(job.template_id, job.look)
        logger.info("thumbnail message done", extra={"template_id": job.template_id, "outcome": outcome})
        return outcome
    message = RenderMessage.model_validate(body)
    attempt = int(record.attributes.approximate_receive_count or 1)
    outcome = pdf_worker.process(message.cv_id, message.version, attempt=attempt)
    logger.info("pdf message done", extra={"cv_id": message.cv_id, "version": message.version, "outcome": outcome})
    return outcome


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event, context):
    return process_partial_response(event=event, record_handler=render_record, processor=processor, context=context)
