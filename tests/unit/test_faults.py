"""Faults injected into DynamoDB, S3, Selcom and the process itself. Each must end with no
lost or double-counted money, no stuck CV, and a clear answer to the client."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from chapchap.payments import confirm as confirming
from chapchap.payments import reconcile
from chapchap.data import counters, table
from chapchap.data import cvs as cv_data
from chapchap.data import payments as pay_data
from tests.support.apigw import invoke

pytestmark = pytest.mark.usefixtures("catalog", "selcom_sim")


def client_error(code: str, operation: str, reasons: list[str] | None = None) -> ClientError:
    response = {"Error": {"Code": code, "Message": code}}
    if reasons:
        response["CancellationReasons"] = [{"Code": r} for r in reasons]
    return ClientError(response, operation)


@pytest.fixture
def fail_transactions(monkeypatch):
    """Make the next N TransactWriteItems calls fail with the given error, then behave."""
    real = table.client().transact_write_items
    plan = {"left": 0, "error": None, "when": None}

    def flaky(**kwargs):
        if plan["left"] > 0 and plan["when"](json.dumps(kwargs, default=str)):
            plan["left"] -= 1
            raise plan["error"]
        return real(**kwargs)

    monkeypatch.setattr(table.client(), "transact_write_items", flaky)

    def arm(times: int, error: ClientError, only_if_contains: str = ""):
        plan.update(left=times, error=error, when=lambda text: only_if_contains in text)

    return arm


@pytest.fixture
def paid_order(api, selcom_sim):
    """A user, a CV and a payment Selcom has completed (its webhook not yet processed)."""
    auth = api.post("/api/auth/register", json={"full_name": "F", "email": "f@example.com",
                                                "password": "correct horse battery", "phone_number": "0754999111"}).data
    token = auth["access_token"]
    cv = api.post("/api/cvs", json={"template_id": "modern-ocean", "content": {"basics": {"name": "F"}}},
                  token=token).data["cv"]
    ref = api.post("/api/payments/initiate", json={"cv_id": cv["id"], "method": "card"}, token=token).data["payment"]["reference"]
    selcom_sim.pay(ref)
    return {"token": token, "cv_id": cv["id"], "ref": ref}


def revenue():
    return counters.read([counters.total_key()]).get(counters.total_key(), {}).get("revenue", 0)


def webhook(api, ref):
    return api.post("/api/payments/callback", json={"order_id": ref, "payment_status": "COMPLETED"})


def test_throttled_table_is_a_clear_503_and_writes_nothing(api, fail_transactions):
    owner = {"x-anonymous-id": "2b1d7c4e-8a9f-4c3b-9d2e-1f0a5b6c7d8e"}
    fail_transactions(1, client_error("ProvisionedThroughputExceededException", "TransactWriteItems"))
    reply = api.post("/api/cvs", json={"template_id": "classic-navy", "content": {}}, headers=owner)
    assert reply.status == 503 and reply.error["code"] == "SERVICE_BUSY" and reply.headers["retry-after"] == "1"
    assert api.get("/api/cvs", headers=owner).data == []
    assert api.post("/api/cvs", json={"template_id": "classic-navy", "content": {}}, headers=owner).status == 201


def test_a_throttled_read_in_the_guard_is_the_same_503(api, monkeypatch):
    """The guard reads the caller before the handler runs (outside the resolver): busy there is
    the documented 503 SERVICE_BUSY with Retry-After, not a crashed invocation."""
    token = api.post("/api/auth/register", json={"full_name": "G", "email": "g@example.com",
                                                 "password": "correct horse battery"}).data["access_token"]
    busy = client_error("ThrottlingException", "BatchGetItem")

    def throttled(**kwargs):
        raise busy

    for name in ("get_item", "batch_get_item"):
        monkeypatch.setattr(table.client(), name, throttled)
    reply = api.get("/api/user/me", token=token)
    assert reply.status == 503 and reply.error["code"] == "SERVICE_BUSY" and reply.headers["retry-after"] == "1"


def test_transaction_conflict_during_completion_is_retried_once_counted(api, paid_order, fail_transactions):
    fail_transactions(2, client_error("TransactionCanceledException", "TransactWriteItems",
                                      ["TransactionConflict", "None", "None"]), only_if_contains="PAYDONE#")
    assert webhook(api, paid_order["ref"]).status == 200
    assert pay_data.get(paid_order["ref"])["status"] == "completed"
    assert revenue() == 7000
    webhook(api, paid_order["ref"])
    assert revenue() == 7000


def test_table_busy_while_processing_a_webhook_then_reconciliation_finishes(api, paid_order, fail_transactions,
                                                                           monkeypatch):
    fail_transactions(1, client_error("ThrottlingException", "TransactWriteItems"))  # the record itself
    assert webhook(api, paid_order["ref"]).status == 503  # not recorded: Selcom must retry
    # Recorded, then the table is busy for the completion and everything after it.
    fail_transactions(10, client_error("ThrottlingException", "TransactWriteItems"), only_if_contains="PAYDONE#")
    assert webhook(api, paid_order["ref"]).status == 200
    fail_transactions(0, client_error("ThrottlingException", "TransactWriteItems"))
    assert pay_data.get(paid_order["ref"])["status"] == "pending" and revenue() == 0
    summary = reconcile.reconcile(min_age=timedelta(0))
    assert summary["completed"] == 1 and revenue() == 7000
    assert cv_data.get(paid_order["cv_id"])["is_paid"] is True


def test_crash_between_recording_and_processing(api, paid_order, monkeypatch):
    class Crash(BaseException):  # like the runtime killing the process: nothing catches it
        pass

    def crash(*args, **kwargs):
        raise Crash()

    monkeypatch.setattr(confirming, "confirm", crash)
    with pytest.raises(Crash):
        webhook(api, paid_order["ref"])
    monkeypatch.undo()
    items, _ = table.query(index="gsi1", pk_name="gsi1pk", pk=f"WEBHOOKS#{paid_order['ref']}")
    assert len(items) == 1  # the call was recorded before the crash
    assert pay_data.get(paid_order["ref"])["status"] == "pending"
    assert reconcile.reconcile(min_age=timedelta(0))["completed"] == 1
    webhook(api, paid_order["ref"])  # Selcom's retry arrives later: nothing more happens
    assert revenue() == 7000 and cv_data.get(paid_order["cv_id"])["is_paid"] is True


def test_selcom_flaky_connection_is_retried_for_order_status(api, paid_order, selcom_sim):
    selcom_sim.set_mode("flaky")
    try:
        assert webhook(api, paid_order["ref"]).status == 200
    finally:
        selcom_sim.set_mode("normal")
    assert pay_data.get(paid_order["ref"])["status"] == "completed"


def test_s3_failure_during_rendering_never_leaves_a_stuck_cv(api, paid_order, monkeypatch, queue_messages):
    from chapchap import storage
    webhook(api, paid_order["ref"])
    [message] = queue_messages()
    real_put, calls = storage.put, {"n": 0}

    def failing_put(*args, **kwargs):
        calls["n"] += 1
        raise client_error("InternalError", "PutObject")

    monkeypatch.setattr(storage, "put", failing_put)

    def record(attempt):
        return {"Records": [{"messageId": f"m{attempt}", "receiptHandle": "h", "body": json.dumps(message),
                             "attributes": {"ApproximateReceiveCount": str(attempt)}, "messageAttributes": {},
                             "md5OfBody": "", "eventSource": "aws:sqs", "awsRegion": "af-south-1",
                             "eventSourceARN": "arn:aws:sqs:af-south-1:123456789012:q"}]}

    for attempt in (1, 2, 3):
        assert invoke("PdfFunction", record(attempt))["batchItemFailures"] == [{"itemIdentifier": f"m{attempt}"}]
    assert cv_data.get(paid_order["cv_id"])["pdf_status"] == "failed"  # and the message is in the DLQ
    # The visitor asks for the download: a new render is queued, not a dead end.
    reply = api.get(f"/api/payments/download/{paid_order['cv_id']}", token=paid_order["token"])
    assert reply.status == 202
    [again] = queue_messages()
    monkeypatch.setattr(storage, "put", real_put)
    assert invoke("PdfFunction", {"Records": [{**record(1)["Records"][0], "body": json.dumps(again)}]}) == {"batchItemFailures": []}
    assert api.get(f"/api/payments/download/{paid_order['cv_id']}", token=paid_order["token"]).status == 200
