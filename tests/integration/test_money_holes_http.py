"""Issue 11's money holes, over HTTP as they were found: a local stack of its own, pointed (by
SELCOM_BASE_URL only) at a Selcom simulator this test reads (its request log counts USSD
pushes and order-status calls).

1. a cheap payment no longer buys a dear template: 402 with the difference, and the upgrade
   charges only the difference;
6. payment prompts are limited (429 with Retry-After), a stranger's phone more tightly;
7. forged webhooks for a pending order share verify's spacing (one Selcom call, not 50), and
   webhooks for unknown orders expire in a week.
"""
from __future__ import annotations

import time
import uuid

import pytest

from local.selcom_sim import start as start_simulator

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def sim():
    s = start_simulator(api_key="holes-key", api_secret="holes-secret", vendor="TILL70002",
                        webhook_delay=0.1, push_delay=0.1)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def holes_stack(request, tmp_path_factory, sim):
    from tests.integration.conftest import LocalStack, _report

    folder = tmp_path_factory.mktemp("holes")
    # The spacing of status checks is a minute here: fifty webhooks over HTTP on a loaded
    # machine may take longer than the five seconds of production, and the count must not
    # depend on how fast they go.
    stack = LocalStack(folder / "state", folder / "stack.log", {**sim.env, "SELCOM_READ_TIMEOUT": "2",
                                                                "PAYMENT_STATUS_CHECK_INTERVAL_SECONDS": "60"})
    stack.start()
    yield stack
    stack.stop()
    _report(request, [stack])


def buyer(stack, phone="0754 555 123", template_id="compact-ats"):
    r = stack.post("/api/auth/register", json={"full_name": "Baraka", "email": f"{uuid.uuid4().hex[:8]}@example.com",
                                               "password": PASSWORD, "phone_number": phone})
    assert r.status_code == 201, r.text
    headers = {"authorization": f"Bearer {r.json()['data']['access_token']}"}
    r = stack.post("/api/cvs", json={"template_id": template_id, "content": {"basics": {"name": "Baraka"}}},
                   headers=headers)
    assert r.status_code == 201, r.text
    return headers, r.json()["data"]["cv"]["id"]


def initiate(stack, headers, cv_id, **body):
    return stack.post("/api/payments/initiate", json={"cv_id": cv_id, "method": "card", **body}, headers=headers)


def paid(stack, sim, headers, reference):
    sim.pay(reference)
    sim.wait_for_webhook(reference, timeout=10)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        payment = stack.get(f"/api/payments/verify/{reference}", headers=headers).json()["data"]["payment"]
        if payment["status"] == "completed":
            return payment
        time.sleep(0.5)
    raise AssertionError(f"{reference} not completed")


def test_a_cheap_payment_does_not_buy_a_dear_template(holes_stack, sim):
    headers, cv_id = buyer(holes_stack)
    r = initiate(holes_stack, headers, cv_id)
    assert r.status_code == 201 and r.json()["data"]["payment"]["amount"] == 3000, r.text
    paid(holes_stack, sim, headers, r.json()["data"]["payment"]["reference"])

    r = holes_stack.put(f"/api/cvs/{cv_id}", json={"template_id": "modern-kilimanjaro"}, headers=headers)
    assert r.status_code == 402, r.text
    error = r.json()["error"]
    assert error["code"] == "PAYMENT_REQUIRED" and error["details"][0]["difference"] == 4000
    cv = holes_stack.get(f"/api/cvs/{cv_id}", headers=headers).json()["data"]["cv"]
    assert cv["template_id"] == "compact-ats"

    # The upgrade: the difference only, then the CV is on the template paid for.
    r = initiate(holes_stack, headers, cv_id, template_id="modern-kilimanjaro")
    assert r.status_code == 201 and r.json()["data"]["payment"]["amount"] == 4000, r.text
    assert sim.order(r.json()["data"]["payment"]["reference"])["amount"] == 4000
    upgrade = paid(holes_stack, sim, headers, r.json()["data"]["payment"]["reference"])
    assert upgrade["template_price"] == 7000
    cv = holes_stack.get(f"/api/cvs/{cv_id}", headers=headers).json()["data"]["cv"]
    assert cv["template_id"] == "modern-kilimanjaro" and cv["is_paid"] is True
    r = holes_stack.get(f"/api/payments/{upgrade['reference']}/receipt", headers=headers)
    assert r.status_code == 200, r.text
    assert initiate(holes_stack, headers, cv_id).json()["error"]["code"] == "ALREADY_PAID"


def test_payment_prompts_are_limited(holes_stack, sim):
    headers, cv_id = buyer(holes_stack, phone="0754 550 004")  # Selcom never completes these
    before = len([r for r in sim.requests if r["path"] == "/checkout/wallet-payment"])
    replies = [initiate(holes_stack, headers, cv_id, method="mobile_money") for _ in range(15)]
    assert [r.status_code for r in replies] == [201] * 5 + [429] * 10
    assert replies[-1].json()["error"]["code"] == "TOO_MANY_REQUESTS"
    assert 0 < int(replies[-1].headers["Retry-After"]) <= 3600
    assert len([r for r in sim.requests if r["path"] == "/checkout/wallet-payment"]) - before == 5

    # A stranger's phone: allowed, counted on its own, tighter.
    headers, cv_id = buyer(holes_stack, phone="0754 550 104")
    codes = [initiate(holes_stack, headers, cv_id, method="mobile_money", phone_number="0713 550 004").status_code
             for _ in range(4)]
    assert codes == [201, 201, 201, 429]


def test_forged_webhooks_cost_one_status_call_and_unknown_ones_expire_soon(holes_stack, sim):
    headers, cv_id = buyer(holes_stack, phone="0754 550 004")
    reference = initiate(holes_stack, headers, cv_id).json()["data"]["payment"]["reference"]
    for _ in range(50):
        r = holes_stack.post("/api/payments/callback", json={"order_id": reference, "payment_status": "COMPLETED",
                                                             "resultcode": "000", "transid": "FAKE"})
        assert r.status_code == 200
    calls = [r for r in sim.requests if r["path"] == "/checkout/order-status" and r["order_id"] == reference]
    assert len(calls) == 1
    assert holes_stack.get(f"/api/payments/verify/{reference}", headers=headers).json()["data"]["payment"][
        "status"] == "pending"

    order_id = "CVNOSUCH" + uuid.uuid4().hex[:6].upper()
    assert holes_stack.post("/api/payments/callback", json={"order_id": order_id}).status_code == 200
    ddb = holes_stack.boto3_client("dynamodb")
    items = ddb.query(TableName=holes_stack.info()["resources"]["Table"]["Ref"], IndexName="gsi1",
                      KeyConditionExpression="gsi1pk = :pk",
                      ExpressionAttributeValues={":pk": {"S": f"WEBHOOKS#{order_id}"}})["Items"]
    assert len(items) == 1 and int(items[0]["ttl"]["N"]) - time.time() <= 7 * 86400 + 60
