"""SQS consumer: run queued resume checks, reporting partial batch failures."""
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from chapchap.analysis import jobs
from chapchap.observability import logger, metrics
from pydantic import BaseModel

# As the PDF function: every failed record is reported, none raises the whole batch.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class AnalysisMessage(BaseModel):
    cv_id: str
    analysis_id: str


def run_record(record: SQSRecord) -> str:
    message = AnalysisMessage.model_validate_json(record.body)
    attempt = int(record.attributes.approximate_receive_count or 1)
    outcome = jobs.process(message.cv_id, message.analysis_id, attempt=attempt)
    logger.info("analysis message done", extra={"cv_id": message.cv_id, "analysis_id": message.analysis_id,
                                                "outcome": outcome})
    return outcome


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event, context):
    return process_partial_response(event=event, record_handler=run_record, processor=processor, context=context)
