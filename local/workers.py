"""SQS event source mappings: poll a queue, invoke the function, delete or retry.

Like Lambda's poller: batches of up to BatchSize, an SQS-shaped event, partial batch
failures when the event has FunctionResponseTypes [ReportBatchItemFailures]. A failed
message becomes visible again after LOCAL_RETRY_DELAY seconds (instead of the queue's
visibility timeout) so retries happen quickly; after the redrive policy's maxReceiveCount
receives it goes to the dead-letter queue (moto does this on receive, as SQS does; the
consumer does it itself should the emulator not).
"""
from __future__ import annotations

import base64
import json
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass

from .template import Resolver, Template


@dataclass
class QueueInfo:
    logical_id: str
    url: str
    arn: str
    dlq_url: str | None = None
    max_receive_count: int | None = None


def queue_infos(template: Template, physical: dict, sqs) -> dict[str, QueueInfo]:
    """Queue ARN -> QueueInfo for every queue of the template."""
    infos = {}
    by_arn = {v["Arn"]: v for v in physical.values() if "QueueUrl" in v}
    for logical_id in template.resources_of("AWS::SQS::Queue"):
        res = physical[logical_id]
        info = QueueInfo(logical_id, res["QueueUrl"], res["Arn"])
        attrs = sqs.get_queue_attributes(QueueUrl=info.url, AttributeNames=["RedrivePolicy"])
        policy = attrs.get("Attributes", {}).get("RedrivePolicy")
        if policy:
            policy = json.loads(policy)
            target = by_arn.get(policy.get("deadLetterTargetArn"))
            info.dlq_url = target["QueueUrl"] if target else None
            info.max_receive_count = int(policy["maxReceiveCount"])
        infos[info.arn] = info
    return infos


def _message_attributes(attrs: dict) -> dict:
    """boto3's MessageAttributes in the shape of a Lambda SQS record."""
    out = {}
    for name, value in (attrs or {}).items():
        binary = value.get("BinaryValue")
        if isinstance(binary, (bytes, bytearray)):
            binary = base64.b64encode(binary).decode()
        out[name] = {"stringValue": value.get("StringValue"), "binaryValue": binary,
                     "stringListValues": value.get("StringListValues", []),
                     "binaryListValues": value.get("BinaryListValues", []),
                     "dataType": value.get("DataType")}
    return out


class QueueConsumer:
    """One SQS event of one function. `poll_once` is the unit of work (tests call it)."""

    def __init__(self, function_id: str, props: dict, queue: QueueInfo, sqs, invoke, *,
                 region: str, retry_delay: int | None = None, wait_seconds: int = 1,
                 log=print):
        self.function_id = function_id
        self.queue = queue
        self.sqs = sqs
        self.invoke = invoke  # (function_id, event) -> result; raises on failure
        self.region = region
        self.batch_size = int(props.get("BatchSize", 10))
        self.report_failures = "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or [])
        self.retry_delay = int(os.environ.get("LOCAL_RETRY_DELAY", "1")) \
            if retry_delay is None else retry_delay
        self.wait_seconds = wait_seconds
        self.log = log
        self.busy = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ one poll
    def poll_once(self) -> int:
        """Receive one batch and process it; returns how many messages were received."""
        got = self.sqs.receive_message(
            QueueUrl=self.queue.url, MaxNumberOfMessages=min(self.batch_size, 10),
            WaitTimeSeconds=self.wait_seconds, AttributeNames=["All"],
            MessageAttributeNames=["All"])
        messages = got.get("Messages", [])
        if messages:
            self.busy = True
            try:
                self._process(messages)
            finally:
                self.busy = False
        return len(messages)

    def _process(self, messages: list[dict]) -> None:
        live = [m for m in messages if not self._dead_letter(m)]
        if not live:
            return
        event = {"Records": [self.record(m) for m in live]}
        started = time.monotonic()
        try:
            result = self.invoke(self.function_id, event)
            failed = self.failed_ids(result, {m["MessageId"] for m in live})
        except Exception:  # noqa: BLE001 - the handler failed: the whole batch is retried
            self.log(f"{self.function_id}: handler raised on a batch of {len(live)} from "
                     f"{self.queue.logical_id}:\n{traceback.format_exc()}")
            failed = {m["MessageId"] for m in live}
        ms = (time.monotonic() - started) * 1000
        self.log(f"{time.strftime('%H:%M:%S')}  SQS {self.queue.logical_id}  {len(live)} message(s)"
                 f"  -> {len(live) - len(failed)} ok, {len(failed)} failed  {ms:.0f} ms  {self.function_id}")
        for m in live:
            if m["MessageId"] in failed:
                self.sqs.change_message_visibility(QueueUrl=self.queue.url, ReceiptHandle=m["ReceiptHandle"],
                                                   VisibilityTimeout=self.retry_delay)
            else:
                self.sqs.delete_message(QueueUrl=self.queue.url, ReceiptHandle=m["ReceiptHandle"])

    def failed_ids(self, result, ids: set[str]) -> set[str]:
        """Message ids to retry, by Lambda's rules for ReportBatchItemFailures."""
        if not self.report_failures or result is None:
            return set()
        if not isinstance(result, dict):
            self.log(f"{self.function_id}: invalid batch response {result!r}: the whole batch fails")
            return set(ids)
        items = result.get("batchItemFailures") or []
        failed = set()
        for item in items:
            ident = item.get("itemIdentifier") if isinstance(item, dict) else None
            if not ident or ident not in ids:
                self.log(f"{self.function_id}: bad itemIdentifier {item!r}: the whole batch fails")
                return set(ids)
            failed.add(ident)
        return failed

    def _dead_letter(self, message: dict) -> bool:
        """Move a message received more than maxReceiveCount times (if moto did not)."""
        count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        if not self.queue.dlq_url or not self.queue.max_receive_count \
                or count <= self.queue.max_receive_count:
            return False
        kwargs = {"QueueUrl": self.queue.dlq_url, "MessageBody": message["Body"]}
        if message.get("MessageAttributes"):
            kwargs["MessageAttributes"] = message["MessageAttributes"]
        self.sqs.send_message(**kwargs)
        self.sqs.delete_message(QueueUrl=self.queue.url, ReceiptHandle=message["ReceiptHandle"])
        return True

    def record(self, m: dict) -> dict:
        rec = {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": dict(m.get("Attributes", {})),
            "messageAttributes": _message_attributes(m.get("MessageAttributes")),
            "md5OfBody": m.get("MD5OfBody"),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue.arn,
            "awsRegion": self.region,
        }
        if m.get("MD5OfMessageAttributes"):
            rec["md5OfMessageAttributes"] = m["MD5OfMessageAttributes"]
        return rec

    # ------------------------------------------------------------ background thread
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"sqs-{self.function_id}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.poll_once() and self.wait_seconds == 0:
                    self._stop.wait(0.05)  # no long polling: do not spin
            except Exception:  # noqa: BLE001 - keep polling; report why
                if self._stop.is_set():
                    break
                self.log(f"{self.function_id}: polling {self.queue.logical_id} failed:\n"
                         f"{traceback.format_exc()}")
                self._stop.wait(1)

    def stop(self, timeout: float = 15) -> None:
        self.request_stop()
        if self._thread:
            self._thread.join(timeout)

    def request_stop(self) -> None:
        self._stop.set()

    def pending(self) -> int:
        """Messages in the queue, visible or not (a batch being processed is not visible)."""
        attrs = self.sqs.get_queue_attributes(QueueUrl=self.queue.url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"])["Attributes"]
        return sum(int(v) for v in attrs.values())


def consumers_for(template: Template, physical: dict, sqs, invoke, *, region: str,
                  log=print, **kwargs) -> list[QueueConsumer]:
    """A consumer for each SQS event of each function of the template."""
    infos = queue_infos(template, physical, sqs)
    consumers = []
    for fn in template.functions.values():
        for props in fn.events_of("SQS"):
            if props.get("Enabled") is False:
                continue
            arn = props.get("Queue")
            if isinstance(arn, dict):
                try:
                    arn = Resolver(template, physical, region).resolve(arn)
                except KeyError as exc:
                    print(f"warning: {fn.logical_id}: {exc.args[0]}; its queue is not polled", file=sys.stderr)
                    continue
            if arn not in infos:
                print(f"warning: {fn.logical_id} consumes {arn}, which is not a queue of the "
                      "template; not polled", file=sys.stderr)
                continue
            consumers.append(QueueConsumer(fn.logical_id, props, infos[arn], sqs, invoke,
                                           region=region, log=log, **kwargs))
    return consumers


def wait_until_drained(consumers: list[QueueConsumer], timeout: float = 30) -> bool:
    """True once every consumed queue is empty and no batch runs (False on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(c.pending() == 0 for c in consumers):
            return True
        time.sleep(0.1)
    return False
