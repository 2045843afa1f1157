"""Refunds over HTTP on a local stack of its own, pointed at a Selcom simulator this test
drives: a CV paid twice, the duplicate listed as flagged, refunded once (a second resolve
is a 409, no reason a 422), and revenue lower by exactly its amount in stats, templates,
analytics and the report; the audit log has it; long analytics ranges answer."""
from __future__ import annotations

import csv
import io
import time
import uuid

import pytest
import requests

from local.selcom_sim import start as start_simulator

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def sim():
    s = start_simulator(api_key="refunds-key", api_secret="refunds-secret", vendor="TILL70003",
                        webhook_delay=0.1, push_delay=0.1)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def shop(request, tmp_path_factory, sim):
    from tests.integration.conftest import LocalStack, _report

    folder = tmp_path_factory.mktemp("refunds")
    stack = LocalStack(folder / "state", folder / "stack.log", sim.env).start()
    yield stack
    stack.stop()
    _report(request, [stack])


def _admin(stack) -> dict:
    r = stack.post("/api/auth/login", json={"email": stack.admin_email, "password": stack.admin_password})
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['data']['access_token']}"}


def _completed(stack, headers, reference) -> dict:
    deadline = time.monotonic() + 60
    while True:
        payment = stack.get(f"/api/payments/verify/{reference}", headers=headers).json()["data"]["payment"]
        if payment["status"] == "completed":
            return payment
        assert time.monotonic() < deadline, "the payment did not complete"
        time.sleep(0.25)


def _money(stack, admin) -> tuple:
    stats = stack.get("/api/admin/stats", headers=admin).json()["data"]
    navy = next(t for t in stack.get("/api/admin/templates", headers=admin).json()["data"] if t["id"] == "classic-navy")
    today = stats["business_date"]
    row = stack.get("/api/admin/analytics", params={"from": today}, headers=admin).json()["data"][-1]
    return ((stats["total_revenue"], stats["total_refunds"], stats["net_revenue"]),
            (navy["revenue"], navy["refunds"], navy["net_revenue"]),
            (row["revenue"], row["refunds"], row["net_revenue"]))


def test_a_duplicate_is_listed_refunded_once_and_leaves_revenue(shop, sim):
    stack = shop
    r = stack.post("/api/auth/register", json={"full_name": "Neema", "email": f"{uuid.uuid4().hex[:8]}@example.com",
                                               "password": PASSWORD, "phone_number": "0754 555 321"})
    assert r.status_code == 201, r.text
    buyer = {"authorization": f"Bearer {r.json()['data']['access_token']}"}
    r = stack.post("/api/cvs", json={"template_id": "classic-navy", "content": {"basics": {"name": "Neema"}}},
                   headers=buyer)
    cv_id = r.json()["data"]["cv"]["id"]
    # Two card orders for one unpaid CV, both paid at the checkout page.
    references = []
    for _ in range(2):
        r = stack.post("/api/payments/initiate", json={"cv_id": cv_id, "method": "card"}, headers=buyer)
        assert r.status_code == 201, r.text
        references.append(r.json()["data"]["payment"]["reference"])
    for reference in references:
        sim.pay(reference)
        _completed(stack, buyer, reference)
    admin = _admin(stack)
    flagged = stack.get("/api/admin/payments", params={"flagged": "true"}, headers=admin).json()["data"]
    duplicate = next(p for p in flagged if p["reference"] in references)
    assert duplicate["duplicate_payment"] is True and duplicate["refund_due"] == duplicate["amount"]
    amount = duplicate["amount"]
    before = _money(stack, admin)

    path = f"/api/admin/payments/{duplicate['reference']}/resolve"
    r = stack.post(path, json={"action": "refunded"}, headers=admin)
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_FAILED", r.text
    r = stack.post(path, json={"action": "refunded", "reason": "Paid twice; returned by card",
                               "refund_reference": "RF-2026-0042"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["payment"]["resolution"]["refunded_amount"] == amount
    r = stack.post(path, json={"action": "refunded", "reason": "again"}, headers=admin)
    assert r.status_code == 409 and r.json()["error"]["code"] == "ALREADY_RESOLVED", r.text

    after = _money(stack, admin)
    for (revenue, refunds, net), (revenue0, refunds0, net0) in zip(after, before):
        assert (revenue, refunds, net) == (revenue0, refunds0 + amount, net0 - amount)
    flagged = stack.get("/api/admin/payments", params={"flagged": "true"}, headers=admin).json()["data"]
    assert duplicate["reference"] not in {p["reference"] for p in flagged}
    audit = stack.get("/api/admin/audit", params={"entity": "payment"}, headers=admin).json()["data"]
    assert [(e["action"], e["entity_id"]) for e in audit] == [("payment.refund", duplicate["reference"])]
    assert stack.get(f"/api/cvs/{cv_id}", headers=buyer).json()["data"]["cv"]["is_paid"] is True

    report = stack.get("/api/admin/reports/payments", headers=admin).json()["data"]
    text = requests.get(report["url"], timeout=10).content.decode("utf-8-sig")
    rows = {row["reference"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows[duplicate["reference"]]["refunded_amount"] == str(amount)
    assert rows[duplicate["reference"]]["refund_reference"] == "RF-2026-0042"


def test_long_analytics_ranges_answer_and_beyond_is_a_clear_400(shop):
    admin = _admin(shop)
    monthly = shop.get("/api/admin/analytics", params={"period": "monthly", "from": "2025-01-01", "to": "2026-12-31"},
                       headers=admin)
    assert monthly.status_code == 200, monthly.text
    assert len(monthly.json()["data"]) >= 23
    r = shop.get("/api/admin/analytics", params={"period": "monthly", "from": "2010-01-01", "to": "2020-12-31"},
                 headers=admin)
    assert r.status_code == 400 and "120 months" in r.json()["error"]["message"], r.text
