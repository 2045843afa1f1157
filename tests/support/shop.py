"""Driving the shop through its real handlers, for the admin money tests: accounts, CVs,
payments through the Selcom simulator, downloads of rendered PDFs, and the audit items."""
from __future__ import annotations

import json
from typing import Any

PASSWORD = "correct horse battery"
ADMIN_EMAIL = "boss@example.com"


def admin_token(api, email: str = ADMIN_EMAIL) -> str:
    from chapchap.auth import accounts

    accounts.ensure_admin(email, PASSWORD)
    reply = api.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert reply.status == 200, reply.body
    return reply.data["access_token"]


def register(api, email: str, phone: str | None = "0754321987", **extra: Any) -> dict[str, Any]:
    body = {"full_name": "Amina Juma", "email": email, "password": PASSWORD, **extra}
    if phone:
        body["phone_number"] = phone
    reply = api.post("/api/auth/register", json=body)
    assert reply.status == 201, reply.body
    return reply.data


def new_cv(api, token: str | None, template_id: str = "classic-navy", headers: dict | None = None) -> dict:
    reply = api.post("/api/cvs", json={"template_id": template_id, "content": {"basics": {"name": "Amina Juma"}}},
                     token=token, headers=headers)
    assert reply.status == 201, reply.body
    return reply.data["cv"]


def initiate(api, token: str, cv_id: str, phone: str | None = None) -> dict:
    body = {"cv_id": cv_id, "method": "card"}  # no USSD push: the test says when Selcom is paid
    if phone:
        body["phone_number"] = phone
    reply = api.post("/api/payments/initiate", json=body, token=token)
    assert reply.status == 201, reply.body
    return reply.data["payment"]


def webhook(api, reference: str, status: str = "COMPLETED") -> None:
    reply = api.post("/api/payments/callback", json={"order_id": reference, "payment_status": status,
                                                     "transid": "T" + reference, "resultcode": "000"})
    assert reply.status == 200, reply.body


def pay(api, selcom_sim, token: str, cv_id: str, phone: str | None = None) -> dict:
    """Initiate, pay at the simulator's checkout, deliver Selcom's webhook: the payment as stored."""
    from chapchap.data import payments as pay_data

    payment = initiate(api, token, cv_id, phone)
    selcom_sim.pay(payment["reference"])
    webhook(api, payment["reference"])
    return pay_data.get(payment["reference"])


def render_queued(queue_messages) -> int:
    """Run the PDF function on what waits in the queue (as the SQS trigger would)."""
    from tests.support.apigw import invoke

    messages = queue_messages()
    records = [{"messageId": f"m{n}", "receiptHandle": f"h{n}", "body": json.dumps(m),
                "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
                "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:af-south-1:123456789012:q",
                "awsRegion": "af-south-1"} for n, m in enumerate(messages)]
    for start in range(0, len(records), 5):
        assert invoke("PdfFunction", {"Records": records[start:start + 5]}) == {"batchItemFailures": []}
    return len(records)


def audit_items(month: str | None = None) -> list[dict[str, Any]]:
    """The audit entries of a business month, read straight from their items."""
    from chapchap import clock
    from chapchap.data import table

    found, start_key = [], None
    while True:
        items, start_key = table.query(pk=f"AUDIT#{month or clock.business_month()}", start_key=start_key)
        found += items
        if not start_key:
            return found


class _JwtOnTheBusinessClock:
    """pyjwt checks `exp` and `iat` against the real clock; a test that freezes
    `chapchap.clock.now` days away issues tokens at the frozen time. This lets decode allow
    exactly the distance between the two clocks (plus a second)."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def decode(self, token, key, **kwargs):
        import time

        from chapchap import clock

        kwargs["leeway"] = abs(time.time() - clock.now().timestamp()) + 1
        return self._real.decode(token, key, **kwargs)


def tokens_follow_the_frozen_clock(monkeypatch) -> None:
    from chapchap.auth import tokens

    monkeypatch.setattr(tokens, "jwt", _JwtOnTheBusinessClock(tokens.jwt))


def freeze(monkeypatch, moment) -> None:
    """Every part of the code that asks `chapchap.clock.now` sees `moment` (UTC, aware)."""
    from chapchap import clock

    monkeypatch.setattr(clock, "now", lambda: moment)


def real_time(monkeypatch) -> None:
    from datetime import datetime, timezone

    from chapchap import clock

    monkeypatch.setattr(clock, "now", lambda: datetime.now(timezone.utc))
