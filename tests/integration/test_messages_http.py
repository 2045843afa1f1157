"""Messages and password resets over HTTP on the local stack: what the outbox
(GET /_local/outbox) shows is what the real sender function sent through moto's SES and the
Africa's Talking fake."""
from __future__ import annotations

import random
import re
import threading
import time
import uuid
from urllib.parse import parse_qs, urlparse

PASSWORD = "correct horse battery"
NEW = "a brand new passphrase"


def account(stack, *, phone: str | None = None) -> tuple[dict, str, str]:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    phone = phone or "07" + "".join(random.choices("0123456789", k=8))
    reply = stack.post("/api/auth/register", json={"full_name": "Neema Mushi", "email": email, "password": PASSWORD,
                                                   "phone_number": phone})
    assert reply.status_code == 201, reply.text
    return reply.json()["data"], email, "+255" + phone[1:]


def outbox_for(stack, to: str) -> list[dict]:
    assert stack.drain(60)
    reply = stack.get("/_local/outbox")
    assert reply.status_code == 200
    return [m for m in reply.json()["data"] if m["to"] == to]


def test_five_webhooks_make_one_sms_and_one_email(stack):
    auth, email, phone = account(stack)
    headers = {"authorization": f"Bearer {auth['access_token']}"}
    cv = stack.post("/api/cvs", json={"template_id": "compact-ats", "content": {"basics": {"name": "Neema"}}},
                    headers=headers).json()["data"]["cv"]
    started = stack.post("/api/payments/initiate", json={"cv_id": cv["id"], "method": "mobile_money",
                                                         "phone_number": phone}, headers=headers)
    assert started.status_code == 201, started.text
    reference = started.json()["data"]["payment"]["reference"]
    deadline = time.monotonic() + 30
    while stack.get(f"/api/payments/verify/{reference}", headers=headers).json()["data"]["payment"]["status"] \
            != "completed":
        assert time.monotonic() < deadline, "the simulator's payment did not complete"
        time.sleep(0.2)
    # The simulator's webhook came; four more arrive at once (Selcom retries, duplicates).
    calls = [threading.Thread(target=stack.post, args=("/api/payments/callback",),
                              kwargs={"json": {"order_id": reference, "payment_status": "COMPLETED"}})
             for _ in range(4)]
    for t in calls:
        t.start()
    for t in calls:
        t.join()
    download = f"/cvs/{cv['id']}/download"
    sms, mail = outbox_for(stack, phone), outbox_for(stack, email)
    assert len(sms) == 1 and len(mail) == 1, (sms, mail)
    for message in (sms[0], mail[0]):
        assert reference in message["body"] and download in message["body"]
        assert "amazonaws" not in message["body"] and "X-Amz" not in message["body"]
    assert sms[0]["channel"] == "sms" and sms[0]["body"].startswith("Malipo yako ya TZS ")
    assert mail[0]["channel"] == "email" and reference in mail[0]["subject"]


def test_reset_by_email_link_once_and_sessions_end(stack):
    auth, email, _ = account(stack)
    reply = stack.post("/api/auth/password/forgot", json={"email": email})
    assert reply.status_code == 202 and reply.json() == {"data": {"sent": True}}
    [mail] = outbox_for(stack, email)
    link = re.search(r"https?://\S+/reset-password\?token=\S+", mail["body"]).group(0)
    token = parse_qs(urlparse(link).query)["token"][0]
    assert stack.post("/api/auth/password/reset", json={"token": token, "new_password": NEW}).status_code == 204
    assert stack.get("/api/auth/me", headers={"authorization": f"Bearer {auth['access_token']}"}).status_code == 401
    assert stack.post("/api/auth/refresh", json={"refresh_token": auth["refresh_token"]}).status_code == 401
    again = stack.post("/api/auth/password/reset", json={"token": token, "new_password": "another passphrase"})
    assert again.status_code == 400 and again.json()["error"]["code"] == "RESET_INVALID"
    assert stack.post("/api/auth/login", json={"email": email, "password": NEW}).status_code == 200


def test_reset_by_sms_code_once_and_sessions_end(stack):
    auth, email, phone = account(stack)
    assert stack.post("/api/auth/password/forgot", json={"phone_number": phone}).status_code == 202
    [sms] = outbox_for(stack, phone)
    code = re.search(r"\b(\d{6})\b", sms["body"]).group(1)
    body = {"phone_number": phone, "code": code, "new_password": NEW}
    assert stack.post("/api/auth/password/reset", json=body).status_code == 204
    assert stack.get("/api/auth/me", headers={"authorization": f"Bearer {auth['access_token']}"}).status_code == 401
    assert stack.post("/api/auth/password/reset", json=body).json()["error"]["code"] == "RESET_INVALID"
    assert stack.post("/api/auth/login", json={"email": email, "password": NEW}).status_code == 200


def test_unknown_accounts_get_the_same_202_and_no_message(stack):
    _, email, _ = account(stack)
    known = stack.post("/api/auth/password/forgot", json={"email": email})
    nobody = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    unknown = stack.post("/api/auth/password/forgot", json={"email": nobody})
    number = "+2557" + "".join(random.choices("0123456789", k=8))
    unknown_phone = stack.post("/api/auth/password/forgot", json={"phone_number": number})
    assert known.status_code == unknown.status_code == unknown_phone.status_code == 202
    assert known.json() == unknown.json() == unknown_phone.json()
    assert len(outbox_for(stack, email)) == 1
    assert outbox_for(stack, nobody) == [] and outbox_for(stack, number) == []
