"""The journey to keep green forever, over HTTP on the local stack with the Selcom simulator:
anonymous CV -> register with the anonymous id -> initiate -> pay in the simulator ->
webhook -> verify says completed -> download a PDF with the CV's name -> receipt."""
from __future__ import annotations

import io
import re
import time
import uuid
from urllib.parse import urljoin

import requests
from pypdf import PdfReader

NAME = "Zoë Ørsted-Müller"


def _poll(fetch, done, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        reply = fetch()
        if done(reply) or time.monotonic() > deadline:
            return reply
        time.sleep(0.25)


def _pdf_text(url: str) -> str:
    body = requests.get(url, timeout=10).content
    assert body.startswith(b"%PDF"), body[:100]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def _journey(stack, *, method: str, phone: str):
    # 1. An anonymous visitor builds a CV.
    r = stack.post("/api/cvs", json={"template_id": "modern-ocean", "title": "My CV",
                                     "content": {"basics": {"name": NAME, "label": "Data analyst"},
                                                 "work": [{"name": "Vodacom", "position": "Analyst", "startDate": "2021-03"}]}})
    assert r.status_code == 201, r.text
    anonymous_id, cv_id = r.json()["data"]["anonymous_id"], r.json()["data"]["cv"]["id"]

    # 2. Register at download time with the anonymous id: the CV comes along.
    r = stack.post("/api/auth/register", json={"full_name": NAME, "email": f"{uuid.uuid4().hex[:8]}@example.com",
                                               "password": "correct horse battery", "phone_number": phone,
                                               "anonymous_id": anonymous_id})
    assert r.status_code == 201, r.text
    auth = {"authorization": f"Bearer {r.json()['data']['access_token']}"}
    assert stack.get(f"/api/payments/download/{cv_id}", headers=auth).status_code == 402

    # 3. Initiate: the server sets the price and asks Selcom for an order.
    r = stack.post("/api/payments/initiate", json={"cv_id": cv_id, "method": method},
                   headers={**auth, "idempotency-key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    reference = data["payment"]["reference"]
    assert data["payment"]["amount"] == 7000 and data["payment"]["status"] == "pending"

    # 4. Pay: by USSD the simulator completes the order by itself; by card, press Pay on its page.
    if method == "card":
        page = requests.get(data["checkout_url"], timeout=10)
        assert page.status_code == 200 and "Pay" in page.text and "7,000" in page.text
        action = re.search(r'action="([^"]+/pay)"', page.text).group(1)
        assert requests.post(urljoin(data["checkout_url"], action), timeout=10, allow_redirects=False).status_code < 400
    else:
        assert data["ussd_push"]["sent"] is True

    # 5. Selcom's webhook reaches the stack; verify says completed.
    r = _poll(lambda: stack.get(f"/api/payments/verify/{reference}", headers=auth),
              lambda r: r.json()["data"]["payment"]["status"] == "completed")
    payment = r.json()["data"]["payment"]
    assert payment["status"] == "completed" and payment["transaction_id"], payment

    # 6. Download: 202 while rendering, then a URL whose bytes are the PDF.
    r = _poll(lambda: stack.get(f"/api/payments/download/{cv_id}", headers=auth), lambda r: r.status_code == 200)
    assert r.status_code == 200, r.text
    assert NAME in _pdf_text(r.json()["data"]["url"])
    assert r.json()["data"]["filename"].endswith(".pdf")

    # 7. The receipt.
    r = stack.get(f"/api/payments/{reference}/receipt", headers=auth)
    assert r.status_code == 200, r.text
    assert reference in _pdf_text(r.json()["data"]["url"])

    # Paying again is refused.
    assert stack.post("/api/payments/initiate", json={"cv_id": cv_id}, headers=auth).status_code == 409
    return reference


def test_journey_by_checkout_page(stack):
    _journey(stack, method="card", phone="0754 100 200")


def test_journey_by_ussd_push(stack):
    _journey(stack, method="mobile_money", phone="0754 100 300")
