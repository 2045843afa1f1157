"""Messages: the sender (SES v2, Africa's Talking through its local fake, SNS) against moto,
one SMS and one email per completed payment however it is confirmed, in the user's language."""
from __future__ import annotations

import json
import os
import threading

import pytest

from tests.support.shop import new_cv, register
from tests.support.world import REGION


@pytest.fixture
def at_sim(aws, monkeypatch):
    """The Africa's Talking fake on loopback, the sender pointed at it."""
    from chapchap.messages import sms
    from chapchap.settings import settings

    from local.at_sim import start

    sim = start(api_key="test-at-key", username="sandbox")
    for name, value in sim.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SMS_PROVIDER", "africastalking")
    monkeypatch.setenv("SMS_SENDER_ID", "CVCHAPCHAP")
    settings.cache_clear()
    sms.reset_provider()
    yield sim
    sim.stop()
    sms.reset_provider()


def queued() -> list[dict]:
    """Take what waits on the notification queue, as SQS records."""
    import boto3

    sqs = boto3.client("sqs", region_name=REGION)
    records = []
    while True:
        batch = sqs.receive_message(QueueUrl=os.environ["NOTIFY_QUEUE_URL"], MaxNumberOfMessages=10,
                                    AttributeNames=["All"]).get("Messages", [])
        if not batch:
            return records
        for m in batch:
            records.append({"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                            "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                            "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
                            "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:test-NotifyQueue",
                            "awsRegion": REGION})
            sqs.delete_message(QueueUrl=os.environ["NOTIFY_QUEUE_URL"], ReceiptHandle=m["ReceiptHandle"])


def send(records: list[dict]) -> dict:
    from tests.support.apigw import invoke

    return invoke("SendMessagesFunction", {"Records": records})


def sent_emails() -> list:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def paid(api, selcom_sim, *, locale: str | None = None, phone: str = "0754321987"):
    from tests.support.shop import initiate, webhook

    user = register(api, "amina@example.com", phone=phone)
    token = user["access_token"]
    if locale:
        reply = api.patch("/api/user/me", json={"locale": locale}, token=token)
        assert reply.status == 200 and reply.data["user"]["locale"] == locale, reply.body
    cv = new_cv(api, token)
    payment = initiate(api, token, cv["id"])
    selcom_sim.pay(payment["reference"])
    return token, cv, payment, lambda: webhook(api, payment["reference"])


def test_a_completed_payment_sends_one_sms_and_one_email_in_swahili(aws, catalog, selcom_sim, at_sim, api):
    token, cv, payment, deliver = paid(api, selcom_sim)
    for _ in range(5):
        deliver()
    reply = api.get(f"/api/payments/verify/{payment['reference']}", token=token)
    assert reply.data["payment"]["status"] == "completed"
    records = queued()
    assert sorted(json.loads(r["body"])["channel"] for r in records) == ["email", "sms"]
    assert send(records) == {"batchItemFailures": []}
    # SQS may deliver the same messages again: nothing more goes out.
    assert send(records) == {"batchItemFailures": []}

    assert len(at_sim.sent) == 1
    sms = at_sim.sent[0]
    download = f"{os.environ.get('FRONTEND_BASE_URL', 'http://localhost:5173')}/cvs/{cv['id']}/download"
    assert sms["to"] == "+255754321987" and sms["from"] == "CVCHAPCHAP"
    assert sms["message"] == (f"Malipo yako ya TZS {payment['amount']:,} yamepokelewa. Kumbukumbu: "
                              f"{payment['reference']}. Pakua CV yako: {download}")
    emails = sent_emails()
    assert len(emails) == 1
    assert emails[0].destinations["ToAddresses"] == ["amina@example.com"]
    assert payment["reference"] in emails[0].subject and download in emails[0].body
    assert "Asante" in emails[0].body and "amazonaws" not in emails[0].body


def test_messages_follow_the_users_locale(aws, catalog, selcom_sim, at_sim, api):
    _, _cv, payment, deliver = paid(api, selcom_sim, locale="en")
    deliver()
    assert send(queued()) == {"batchItemFailures": []}
    assert at_sim.sent[0]["message"].startswith(f"We have received your payment of TZS {payment['amount']:,}.")
    assert sent_emails()[0].subject == f"Payment received: {payment['reference']}"


def test_locale_is_sw_or_en(aws, api):
    user = register(api, "amina@example.com")
    assert user["user"]["locale"] == "sw"
    reply = api.patch("/api/user/me", json={"locale": "fr"}, token=user["access_token"])
    assert reply.status == 422


def test_concurrent_confirmations_send_exactly_one_sms_and_one_email(aws, catalog, selcom_sim, at_sim, api,
                                                                      serialized_moto):
    """Twelve threads confirm the same payment at once (webhooks, verifies, reconciliation):
    one transition, two messages queued, one SMS and one email sent."""
    from chapchap.payments import confirm as confirming
    from chapchap.data import payments as pay_data

    _, _, payment, _ = paid(api, selcom_sim)
    stored = pay_data.get(payment["reference"])
    barrier = threading.Barrier(12)
    made: list[bool] = []
    errors: list[BaseException] = []

    def confirm(source: str) -> None:
        try:
            barrier.wait()
            after = confirming.confirm(stored, source=source)
            made.append(after["status"] == "completed")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=confirm, args=(["webhook", "verify", "reconciliation"][n % 3],))
               for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and made == [True] * 12
    records = queued()
    assert len(records) == 2
    # Both copies of each message delivered at once to two senders.
    results: list[dict] = []
    senders = [threading.Thread(target=lambda: results.append(send(records))) for _ in range(2)]
    for t in senders:
        t.start()
    for t in senders:
        t.join()
    assert len(at_sim.sent) == 1 and len(sent_emails()) == 1


def test_a_failing_provider_is_retried_then_sends_once(aws, catalog, selcom_sim, at_sim, api):
    from chapchap.data import messages as message_data

    _, _, payment, deliver = paid(api, selcom_sim)
    deliver()
    records = queued()
    at_sim.set_mode("down")
    result = send(records)
    sms_record = next(r for r in records if json.loads(r["body"])["channel"] == "sms")
    assert result == {"batchItemFailures": [{"itemIdentifier": sms_record["messageId"]}]}
    assert message_data.get(f"payment-completed#{payment['reference']}#sms")["status"] == "queued"
    at_sim.set_mode("normal")
    assert send(records) == {"batchItemFailures": []}
    assert len(at_sim.sent) == 1 and len(sent_emails()) == 1
    assert message_data.get(f"payment-completed#{payment['reference']}#sms")["status"] == "sent"


def test_an_unreachable_number_fails_for_good_without_retrying(aws, catalog, selcom_sim, at_sim, api):
    from chapchap.data import messages as message_data

    _, _, payment, deliver = paid(api, selcom_sim, phone="0754320403")
    deliver()
    assert send(queued()) == {"batchItemFailures": []}
    assert message_data.get(f"payment-completed#{payment['reference']}#sms")["status"] == "failed"
    assert at_sim.sent == [] and len(sent_emails()) == 1


def test_sms_through_sns(aws, catalog, selcom_sim, api, monkeypatch):
    from chapchap.messages import sms
    from chapchap.settings import settings
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    monkeypatch.setenv("SMS_PROVIDER", "sns")
    settings.cache_clear()
    sms.reset_provider()
    _, _, payment, deliver = paid(api, selcom_sim)
    deliver()
    assert send(queued()) == {"batchItemFailures": []}
    texts = list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values())
    assert texts == [("+255754321987", texts[0][1])] and payment["reference"] in texts[0][1]


def test_africas_talking_request_is_the_documented_one(aws, at_sim):
    """Form fields username, to, message, from; the apiKey header; JSON asked for."""
    seen = {}
    handle = at_sim.handle

    def spy(headers, body):
        seen.update(headers=dict(headers), body=body.decode())
        return handle(headers, body)

    at_sim.handle = spy
    from chapchap.messages import sms

    message_id = sms.provider().send("255754321987", "Habari")
    assert message_id.startswith("ATXid_")
    assert seen["headers"]["apiKey"] == "test-at-key" and seen["headers"]["Accept"] == "application/json"
    assert seen["body"] == "username=sandbox&to=%2B255754321987&message=Habari&from=CVCHAPCHAP"


def test_swahili_and_english_texts():
    from chapchap.messages.texts import render

    params = {"amount": 3000, "currency": "TZS", "reference": "CVX1", "download_url": "https://x/cvs/1/download"}
    assert render("payment-completed", "sms", "sw", params).body == (
        "Malipo yako ya TZS 3,000 yamepokelewa. Kumbukumbu: CVX1. Pakua CV yako: https://x/cvs/1/download")
    assert render("payment-completed", "sms", None, params).body.startswith("Malipo")
    assert "15" in render("password-reset", "sms", "sw", {"code": "123456"}).body
    assert render("password-reset", "email", "en", {"url": "u", "name": "A"}).subject == "Reset your CV Chap Chap password"
