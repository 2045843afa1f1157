"""The local SQS event source: a throwaway template (queue, dead-letter queue, consumer
function in a temporary module) driven one poll at a time under moto."""
from __future__ import annotations

import json
import uuid

import pytest

from local.runtime import Runtime
from local.template import create_resources, load_template
from local.workers import consumers_for, wait_until_drained

REGION = "af-south-1"
TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {CodeUri: functions/, Timeout: 5}
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy: {deadLetterTargetArn: !GetAtt JobsDlq.Arn, maxReceiveCount: 2}
  JobsDlq:
    Type: AWS::SQS::Queue
  Plain:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: MODULE.handler
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
  PlainWorker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: MODULE.plain
      Events:
        Plain:
          Type: SQS
          Properties: {Queue: !GetAtt Plain.Arn}
"""
HANDLER = '''
CALLS = []

def handler(event, context):
    CALLS.append(event)
    failures = []
    for record in event["Records"]:
        body = record["body"]
        if body == "boom":
            raise RuntimeError("the whole batch fails")
        if body == "poison" or (body == "flaky" and record["attributes"]["ApproximateReceiveCount"] == "1"):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}

def plain(event, context):
    CALLS.append(event)
    # Without ReportBatchItemFailures, Lambda ignores this: the batch succeeded.
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}
'''


@pytest.fixture
def world(tmp_path, monkeypatch):
    import sys

    import boto3
    from moto import mock_aws

    monkeypatch.setattr(sys, "path", list(sys.path))  # the runtime adds the temporary folder
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    module = f"queue_worker_{uuid.uuid4().hex[:8]}"
    (tmp_path / "functions").mkdir()
    (tmp_path / "functions" / f"{module}.py").write_text(HANDLER)
    (tmp_path / "template.yaml").write_text(TEMPLATE.replace("MODULE", module))
    with mock_aws():
        template = load_template(tmp_path / "template.yaml")
        session = boto3.session.Session(region_name=REGION)
        physical = create_resources(template, prefix="t", region=REGION, session=session)
        sqs = session.client("sqs")
        runtime = Runtime(template, region=REGION, prefix="t")
        consumers = {c.function_id: c for c in consumers_for(
            template, physical, sqs, runtime.invoke, region=REGION, retry_delay=0, wait_seconds=0,
            log=lambda line: None)}
        runtime.handler(template.functions["Worker"])  # imports the module
        yield type("World", (), {"sqs": sqs, "physical": physical, "consumers": consumers,
                                 "calls": sys.modules[module].CALLS})()
    sys.modules.pop(module, None)


def send(world, queue: str, *bodies: str, **attrs) -> None:
    for body in bodies:
        world.sqs.send_message(QueueUrl=world.physical[queue]["QueueUrl"], MessageBody=body, **attrs)


def count(world, queue: str) -> int:
    attrs = world.sqs.get_queue_attributes(QueueUrl=world.physical[queue]["QueueUrl"], AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return sum(int(v) for v in attrs.values())


def dlq_bodies(world) -> list[str]:
    got = world.sqs.receive_message(QueueUrl=world.physical["JobsDlq"]["QueueUrl"], MaxNumberOfMessages=10)
    return sorted(m["Body"] for m in got.get("Messages", []))


def test_consumers_come_from_the_template(world):
    worker = world.consumers["Worker"]
    assert set(world.consumers) == {"Worker", "PlainWorker"}
    assert worker.batch_size == 5 and worker.report_failures
    assert worker.queue.dlq_url == world.physical["JobsDlq"]["QueueUrl"] and worker.queue.max_receive_count == 2
    assert not world.consumers["PlainWorker"].report_failures


def test_success_deletes_and_the_event_is_shaped_like_aws(world):
    send(world, "Jobs", "ok", MessageAttributes={"kind": {"DataType": "String", "StringValue": "pdf"}})
    assert world.consumers["Worker"].poll_once() == 1
    record = world.calls[-1]["Records"][0]
    assert record["body"] == "ok" and record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == world.physical["Jobs"]["Arn"] and record["awsRegion"] == REGION
    assert record["attributes"]["ApproximateReceiveCount"] == "1" and "SentTimestamp" in record["attributes"]
    assert record["messageAttributes"]["kind"]["stringValue"] == "pdf"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"
    assert record["md5OfBody"] and record["messageId"] and record["receiptHandle"]
    assert count(world, "Jobs") == 0


def test_batches_respect_batch_size(world):
    send(world, "Jobs", *["ok"] * 7)
    assert world.consumers["Worker"].poll_once() == 5
    assert world.consumers["Worker"].poll_once() == 2
    assert count(world, "Jobs") == 0


def test_partial_failure_retries_only_the_failed_message(world):
    send(world, "Jobs", "ok", "flaky")
    worker = world.consumers["Worker"]
    worker.poll_once()
    assert count(world, "Jobs") == 1  # "ok" deleted, "flaky" back in the queue at once
    worker.poll_once()
    assert [r["body"] for r in world.calls[-1]["Records"]] == ["flaky"]
    assert world.calls[-1]["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"
    assert count(world, "Jobs") == 0 and dlq_bodies(world) == []


def test_an_exception_fails_the_whole_batch(world):
    send(world, "Jobs", "ok")
    send(world, "Jobs", "boom")
    worker = world.consumers["Worker"]
    while worker.poll_once():
        pass
    assert dlq_bodies(world) == ["boom", "ok"]  # same batch: "ok" failed with it


def test_a_poison_message_reaches_the_dead_letter_queue_after_max_receive_count(world):
    send(world, "Jobs", "poison")
    worker = world.consumers["Worker"]
    assert worker.poll_once() == 1 and worker.poll_once() == 1  # maxReceiveCount deliveries
    assert worker.poll_once() == 0  # the third receive moves it instead of delivering it
    assert dlq_bodies(world) == ["poison"] and count(world, "Jobs") == 0
    assert len(world.calls) == 2


def test_the_consumer_moves_a_message_itself_when_the_emulator_did_not(world):
    worker = world.consumers["Worker"]
    message = {"MessageId": "m1", "ReceiptHandle": "r1", "Body": "late", "Attributes": {"ApproximateReceiveCount": "3"}}
    deleted = []
    worker.sqs = type("Fake", (), {"send_message": world.sqs.send_message,
                                   "delete_message": lambda self, **kw: deleted.append(kw)})()
    assert worker._dead_letter(message) is True
    assert deleted == [{"QueueUrl": worker.queue.url, "ReceiptHandle": "r1"}]
    assert dlq_bodies(world) == ["late"]
    assert worker._dead_letter({**message, "Attributes": {"ApproximateReceiveCount": "2"}}) is False


def test_batch_item_failures_are_ignored_without_report_batch_item_failures(world):
    send(world, "Plain", "a", "b")
    world.consumers["PlainWorker"].poll_once()
    assert count(world, "Plain") == 0


@pytest.mark.parametrize("result, failed", [
    (None, set()), ({}, set()), ({"batchItemFailures": []}, set()), ({"batchItemFailures": None}, set()),
    ({"batchItemFailures": [{"itemIdentifier": "a"}]}, {"a"}),
    ({"batchItemFailures": [{"itemIdentifier": ""}]}, {"a", "b"}),
    ({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, {"a", "b"}),
    ({"batchItemFailures": [{"id": "a"}]}, {"a", "b"}),
    ("not an object", {"a", "b"}),
])
def test_lambda_rules_for_batch_responses(world, result, failed):
    assert world.consumers["Worker"].failed_ids(result, {"a", "b"}) == failed


def test_wait_until_drained(world):
    worker = world.consumers["Worker"]
    assert wait_until_drained([worker], timeout=1)
    send(world, "Jobs", "ok")
    assert not wait_until_drained([worker], timeout=0.3)
    worker.poll_once()
    assert wait_until_drained([worker], timeout=1)


def test_polling_thread_processes_messages(world):
    worker = world.consumers["Worker"]
    send(world, "Jobs", "ok", "ok")
    worker.start()
    try:
        assert wait_until_drained([worker], timeout=30)
    finally:
        worker.stop()
    assert sum(len(c["Records"]) for c in world.calls) == 2
    assert json.dumps(world.calls)  # events are plain JSON
