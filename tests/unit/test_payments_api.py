"""Payments through the real handlers, against moto and the Selcom simulator on loopback."""
from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from chapchap import clock
from chapchap.data import counters
from tests.support.apigw import invoke

pytestmark = pytest.mark.usefixtures("catalog", "selcom_sim")
PASSWORD = "correct horse battery"


@pytest.fixture
def buyer(api):
    def make(email="buyer@example.com", phone="0754321987", template_id="modern-ocean"):
        auth = api.post("/api/auth/register", json={"full_name": "Amina Juma", "email": email,
                                                    "password": PASSWORD, "phone_number": phone}).data
        cv = api.post("/api/cvs", json={"template_id": template_id, "content": {"basics": {"name": "Amina Juma"}}},
                      token=auth["access_token"]).data["cv"]
        return {"token": auth["access_token"], "user": auth["user"], "cv": cv}
    return make


def initiate(api, b, **body):
    return api.post("/api/payments/initiate", json={"cv_id": b["cv"]["id"], **body}, token=b["token"])


def webhook(api, reference, status="COMPLETED"):
    body = {"transid": "T" + reference, "order_id": reference, "reference": "0289999288",
            "result": "SUCCESS", "resultcode": "000", "payment_status": status}
    return api.post("/api/payments/callback", json=body)


def totals():
    return counters.read([counters.total_key()]).get(counters.total_key(), {})


def cv_item(cv_id):
    from chapchap.data import cvs
    return cvs.get(cv_id, consistent=True)


# ---------------------------------------------------------------- initiate
def test_initiate_creates_a_pending_payment_priced_by_the_server(api, buyer, selcom_sim):
    b = buyer()
    reply = initiate(api, b)
    assert reply.status == 201, reply.body
    payment = reply.data["payment"]
    assert payment["amount"] == 7000 and payment["currency"] == "TZS"  # modern-ocean's price
    assert payment["status"] == "pending" and payment["method"] == "mobile_money"
    assert reply.data["checkout_url"].startswith("http://127.0.0.1:")
    assert reply.data["ussd_push"]["sent"] is True and reply.data["ussd_push"]["phone"] == "255754321987"
    order = selcom_sim.order(payment["reference"])
    assert order["amount"] == 7000 and order["buyer_phone"] == "255754321987"


def test_default_price_and_card_method(api, buyer, selcom_sim):
    b = buyer(template_id="classic-zanzibar")  # no price of its own
    reply = initiate(api, b, method="card", phone_number="+255 713 000 111")
    assert reply.status == 201, reply.body
    assert reply.data["payment"]["amount"] == 5000 and reply.data["payment"]["method"] == "card"
    assert reply.data["ussd_push"]["sent"] is False


@pytest.mark.parametrize("body, status", [({"amount": 1}, 422), ({"method": "cash"}, 422),
                                          ({"phone_number": "123"}, 422)])
def test_initiate_rejects_client_prices_and_bad_fields(api, buyer, body, status):
    assert initiate(api, buyer(), **body).status == status


def test_initiate_needs_a_phone(api, buyer):
    reply = initiate(api, buyer(phone=None))
    assert reply.status == 422 and reply.error["details"][0]["field"] == "phone_number"


def test_initiate_needs_a_phone_with_an_idempotency_key_too(api, buyer):
    # Found by the contract fuzzer: a user without a phone number and an Idempotency-Key was a 500.
    b = buyer(phone=None)
    reply = api.post("/api/payments/initiate", json={"cv_id": b["cv"]["id"], "phone_number": None},
                     token=b["token"], headers={"idempotency-key": "no-phone-1"})
    assert reply.status == 422 and reply.error["details"][0]["field"] == "phone_number"


def test_someone_elses_cv_is_404_and_anonymous_is_401(api, buyer):
    a, b = buyer(), buyer(email="other@example.com")
    assert api.post("/api/payments/initiate", json={"cv_id": a["cv"]["id"]}, token=b["token"]).status == 404
    assert api.post("/api/payments/initiate", json={"cv_id": a["cv"]["id"]}).status == 401


def test_idempotency_key_returns_the_first_answer(api, buyer, selcom_sim):
    b = buyer()
    headers = {"idempotency-key": "3b6d1c1e-double-tap"}
    first = api.post("/api/payments/initiate", json={"cv_id": b["cv"]["id"]}, token=b["token"], headers=headers)
    second = api.post("/api/payments/initiate", json={"cv_id": b["cv"]["id"]}, token=b["token"], headers=headers)
    assert first.status == second.status == 201
    assert first.data["payment"]["reference"] == second.data["payment"]["reference"]
    assert len(selcom_sim.orders) == 1
    other_body = api.post("/api/payments/initiate", json={"cv_id": b["cv"]["id"], "method": "card"},
                          token=b["token"], headers=headers)
    assert other_body.status == 422 and other_body.error["code"] == "IDEMPOTENCY_KEY_REUSED"


@pytest.mark.parametrize("mode", ["down", "slow"])
def test_selcom_down_or_slow_is_502_and_leaves_a_failed_payment(api, buyer, selcom_sim, mode):
    b = buyer()
    selcom_sim.set_mode(mode, **({"slow_seconds": 1.5} if mode == "slow" else {}))
    reply = initiate(api, b)
    assert reply.status == 502 and reply.error["code"] == "GATEWAY_ERROR"
    listed = api.get("/api/payments", token=b["token"]).data
    assert [p["status"] for p in listed] == ["failed"]
    assert cv_item(b["cv"]["id"])["is_paid"] is False
    selcom_sim.set_mode("normal")
    assert initiate(api, b).status == 201  # and the visitor can simply try again


# ---------------------------------------------------------------- webhook and completion
def test_webhook_completes_once_and_renders(api, buyer, selcom_sim, queue_messages):
    b = buyer()
    ref = initiate(api, b).data["payment"]["reference"]
    selcom_sim.pay(ref)
    for _ in range(5):
        assert webhook(api, ref).status == 200
    cv = cv_item(b["cv"]["id"])
    assert cv["is_paid"] is True and cv["pdf_status"] == "rendering"
    assert totals()["revenue"] == 7000 and totals()["paid_cvs"] == 1
    day = counters.read([counters.day_key(clock.business_date())])[counters.day_key(clock.business_date())]
    assert day["revenue"] == 7000
    assert queue_messages() == [{"cv_id": b["cv"]["id"], "version": 1}]
    payment = api.get(f"/api/payments/verify/{ref}", token=b["token"]).data["payment"]
    assert payment["status"] == "completed" and payment["transaction_id"] and payment["completed_at"]


def test_twenty_concurrent_webhooks_complete_once(api, buyer, selcom_sim, serialized_moto):
    from chapchap.payments import webhook as intake
    b = buyer()
    ref = initiate(api, b).data["payment"]["reference"]
    selcom_sim.pay(ref)
    body = json.dumps({"order_id": ref, "payment_status": "COMPLETED", "resultcode": "000"})
    barrier = threading.Barrier(20)
    errors = []

    def deliver():
        barrier.wait()
        try:
            intake.receive(intake.Callback(body=body, data=json.loads(body), headers={"content-type": "application/json"}))
        except Exception as exc:  # pragma: no cover - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert totals()["revenue"] == 7000 and totals()["paid_cvs"] == 1


def test_forged_webhook_changes_nothing(api, buyer, selcom_sim):
    b = buyer(phone="0754320004")  # Selcom never sees this one paid
    ref = initiate(api, b).data["payment"]["reference"]
    assert webhook(api, ref, status="COMPLETED").status == 200
    assert cv_item(b["cv"]["id"])["is_paid"] is False
    assert api.get(f"/api/payments/verify/{ref}", token=b["token"]).data["payment"]["status"] == "pending"
    assert totals().get("revenue", 0) == 0


def test_amount_mismatch_is_flagged_never_paid(api, buyer, selcom_sim):
    b = buyer(phone="0754320003")  # Selcom reports 500 more than we asked
    ref = initiate(api, b).data["payment"]["reference"]
    selcom_sim.pay(ref)
    webhook(api, ref)
    from chapchap.data import payments as pay_data
    stored = pay_data.get(ref)
    assert stored["status"] == "pending" and stored["flagged"] is True
    assert stored["mismatch"]["expected_amount"] == 7000 and stored["mismatch"]["reported_amount"] == 7500
    assert cv_item(b["cv"]["id"])["is_paid"] is False and totals().get("revenue", 0) == 0


def test_rejected_payment_fails(api, buyer, selcom_sim):
    b = buyer(phone="0754320001")
    ref = initiate(api, b).data["payment"]["reference"]
    selcom_sim.wait_for(lambda: selcom_sim.order(ref)["payment_status"] == "REJECTED")
    webhook(api, ref, status="REJECTED")
    assert api.get(f"/api/payments/verify/{ref}", token=b["token"]).data["payment"]["status"] == "failed"


@pytest.mark.parametrize("body", [{"order_id": "CVUNKNOWN1", "payment_status": "COMPLETED"}, {}, "not json"])
def test_unknown_or_garbled_webhooks_are_recorded_and_answered(api, body):
    from chapchap.data import table
    reply = api.request("POST", "/api/payments/callback", body=body if isinstance(body, str) else json.dumps(body))
    assert reply.status == 200 and reply.data == {"received": True}
    order = body.get("order_id", "unknown") if isinstance(body, dict) else "unknown"
    items, _ = table.query(index="gsi1", pk_name="gsi1pk", pk=f"WEBHOOKS#{order}")
    assert len(items) == 1 and items[0]["outcome"].startswith("ignored")


def test_webhook_is_recorded_even_when_selcom_is_down(api, buyer, selcom_sim):
    b = buyer()
    ref = initiate(api, b).data["payment"]["reference"]
    selcom_sim.pay(ref)
    selcom_sim.set_mode("down")
    assert webhook(api, ref).status == 200
    assert cv_item(b["cv"]["id"])["is_paid"] is False
    selcom_sim.set_mode("normal")
    assert invoke("ReconcilePaymentsFunction", {}) is not None  # too young for reconciliation
    # The webhook's check took the payment's turn (verify shares it): the next one is due later.
    from chapchap.data import payments as pay_data, table
    table.update(*pay_data.payment_key(ref), "SET last_checked_at = :old", old="2000-01-01T00:00:00.000Z")
    assert api.get(f"/api/payments/verify/{ref}", token=b["token"]).data["payment"]["status"] == "completed"


# ---------------------------------------------------------------- verify and reconciliation
def test_verify_checks_selcom_at_most_every_few_seconds(api, buyer, selcom_sim):
    b = buyer(phone="0754320002")  # paid, but the webhook is lost
    ref = initiate(api, b, method="card").data["payment"]["reference"]  # no USSD push: paid when we say
    assert api.get(f"/api/payments/verify/{ref}", token=b["token"]).data["payment"]["status"] == "pending"
    selcom_sim.pay(ref)
    # Within the interval the stored state is returned without asking Selcom again.
    assert api.get(f"/api/payments/verify/{ref}", token=b["token"]).data["payment"]["status"] == "pending"
    from chapchap.data import payments as pay_data, table
    table.update(*pay_data.payment_key(ref), "SET last_checked_at = :old", old="2000-01-01T00:00:00.000Z")
    assert api.get(f"/api/payments/verify/{ref}", token=b["token"]).data["payment"]["status"] == "completed"
    other = buyer(email="x@example.com")
    assert api.get(f"/api/payments/verify/{ref}", token=other["token"]).status == 404


def test_reconciliation_finishes_lost_webhooks_and_expires_stale_orders(api, buyer, selcom_sim, monkeypatch):
    lost = buyer(phone="0754320002")
    lost_ref = initiate(api, lost).data["payment"]["reference"]
    selcom_sim.pay(lost_ref)
    stale = buyer(email="stale@example.com", phone="0754320004")
    stale_ref = initiate(api, stale).data["payment"]["reference"]
    real_now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: real_now + timedelta(minutes=3))
    summary = invoke("ReconcilePaymentsFunction", {})
    assert summary["completed"] == 1 and summary["checked"] == 2
    assert cv_item(lost["cv"]["id"])["is_paid"] is True
    monkeypatch.setattr(clock, "now", lambda: real_now + timedelta(hours=25))
    summary = invoke("ReconcilePaymentsFunction", {})
    assert summary == {"checked": 1, "completed": 0, "failed": 0, "expired": 1, "errors": 0}
    assert selcom_sim.order(stale_ref)["payment_status"] == "CANCELLED"
    monkeypatch.setattr(clock, "now", lambda: real_now + timedelta(hours=26))
    assert invoke("ReconcilePaymentsFunction", {})["checked"] == 0
    assert totals()["revenue"] == 7000


# ---------------------------------------------------------------- download and receipt
def test_download_flow(api, buyer, selcom_sim, queue_messages):
    b = buyer()
    cv_id = b["cv"]["id"]
    assert api.get(f"/api/payments/download/{cv_id}", token=b["token"]).status == 402
    ref = initiate(api, b).data["payment"]["reference"]
    assert initiate(api, b).status == 201  # a second order for the same unpaid CV is allowed
    selcom_sim.pay(ref)
    webhook(api, ref)
    assert initiate(api, b).status == 409  # now paid
    rendering = api.get(f"/api/payments/download/{cv_id}", token=b["token"])
    assert rendering.status == 202 and rendering.data == {"status": "rendering"}
    messages = queue_messages()
    assert messages == [{"cv_id": cv_id, "version": 1}]  # the render under way was not asked for again
    record = {"messageId": "m1", "receiptHandle": "h", "body": json.dumps(messages[0]),
              "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
              "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:af-south-1:123456789012:q", "awsRegion": "af-south-1"}
    assert invoke("PdfFunction", {"Records": [record]}) == {"batchItemFailures": []}
    ready = api.get(f"/api/payments/download/{cv_id}", token=b["token"])
    assert ready.status == 200
    assert ready.data["filename"] == "Amina-Juma-CV.pdf" and ready.data["download_count"] == 1
    assert "X-Amz-Signature" in ready.data["url"] or "Signature" in ready.data["url"]
    api.get(f"/api/payments/download/{cv_id}", token=b["token"])
    assert cv_item(cv_id)["download_count"] == 2 and totals()["downloads"] == 2
    other = buyer(email="x@example.com")
    assert api.get(f"/api/payments/download/{cv_id}", token=other["token"]).status == 404


def test_receipt_made_once_for_completed_payments(api, buyer, selcom_sim, monkeypatch):
    b = buyer()
    ref = initiate(api, b).data["payment"]["reference"]
    assert api.get(f"/api/payments/{ref}/receipt", token=b["token"]).status == 409
    selcom_sim.pay(ref)
    webhook(api, ref)
    first = api.get(f"/api/payments/{ref}/receipt", token=b["token"])
    assert first.status == 200 and first.data["url"] and first.data["expires_at"].endswith("Z")
    from chapchap.payments import receipts
    monkeypatch.setattr(receipts, "_receipt_pdf", lambda p: pytest.fail("rendered twice"))
    assert api.get(f"/api/payments/{ref}/receipt", token=b["token"]).status == 200
    import boto3, io, os
    from pypdf import PdfReader
    from chapchap.data import payments as pay_data
    key = pay_data.get(ref)["receipt_key"]
    pdf = boto3.client("s3").get_object(Bucket=os.environ["BUCKET_NAME"], Key=key)["Body"].read()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert ref in text and "7,000" in text and "Amina Juma" in text


def test_list_payments_is_the_callers(api, buyer):
    a, b = buyer(), buyer(email="other@example.com")
    initiate(api, a)
    initiate(api, a)
    listed = api.get("/api/payments", token=a["token"], query="limit=1")
    assert len(listed.data) == 1 and listed.body["meta"]["next_cursor"]
    assert api.get("/api/payments", token=b["token"]).data == []
    assert api.get("/api/payments").status == 401
