"""Payment paths that go wrong, over HTTP on a local stack pointed (by SELCOM_BASE_URL only)
at a Selcom simulator this test controls: duplicates, forgeries, mismatches, lost webhooks,
a gateway that is down or slow."""
from __future__ import annotations

import threading
import time
import uuid

import pytest

from local.selcom_sim import start as start_simulator

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def sim():
    s = start_simulator(api_key="faults-key", api_secret="faults-secret", vendor="TILL70001",
                        webhook_delay=0.1, push_delay=0.1)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def faults_stack(request, tmp_path_factory, sim):
    """A stack of its own, pointed at another Selcom-compatible server by configuration alone."""
    from tests.integration.conftest import LocalStack, _report

    folder = tmp_path_factory.mktemp("faults")
    stack = LocalStack(folder / "state", folder / "stack.log", {**sim.env, "SELCOM_READ_TIMEOUT": "1"})
    stack.start()
    yield stack
    stack.stop()
    _report(request, [stack])


def buyer(stack, phone="0754 555 123"):
    auth = stack.post("/api/auth/register", json={"full_name": "Baraka", "email": f"{uuid.uuid4().hex[:8]}@example.com",
                                                  "password": PASSWORD, "phone_number": phone}).json()["data"]
    headers = {"authorization": f"Bearer {auth['access_token']}"}
    cv = stack.post("/api/cvs", json={"template_id": "compact-ats", "content": {"basics": {"name": "Baraka"}}},
                    headers=headers).json()["data"]["cv"]
    return headers, cv["id"]


def initiate(stack, headers, cv_id, method="card"):
    r = stack.post("/api/payments/initiate", json={"cv_id": cv_id, "method": method}, headers=headers)
    return r


def revenue(stack):
    return stack.counter_total().get("revenue", 0)


def status(stack, headers, reference):
    return stack.get(f"/api/payments/verify/{reference}", headers=headers).json()["data"]["payment"]["status"]


def test_twenty_concurrent_identical_webhooks_complete_once(faults_stack, sim):
    headers, cv_id = buyer(faults_stack)
    before = revenue(faults_stack)
    ref = initiate(faults_stack, headers, cv_id).json()["data"]["payment"]["reference"]
    sim.pay(ref)
    body = {"transid": "T1", "order_id": ref, "reference": "R1", "result": "SUCCESS", "resultcode": "000",
            "payment_status": "COMPLETED"}
    barrier, codes = threading.Barrier(20), []

    def post():
        barrier.wait()
        codes.append(faults_stack.post("/api/payments/callback", json=body).status_code)

    threads = [threading.Thread(target=post) for _ in range(20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert codes == [200] * 20
    assert status(faults_stack, headers, ref) == "completed"
    assert revenue(faults_stack) - before == 3000  # compact-ats costs 3,000 TZS, counted once


def test_forged_webhook_leaves_it_unpaid(faults_stack, sim):
    headers, cv_id = buyer(faults_stack, phone="0754 550 004")  # Selcom never sees it paid
    ref = initiate(faults_stack, headers, cv_id).json()["data"]["payment"]["reference"]
    r = faults_stack.post("/api/payments/callback", json={"order_id": ref, "payment_status": "COMPLETED",
                                                          "resultcode": "000", "transid": "FAKE"})
    assert r.status_code == 200
    assert status(faults_stack, headers, ref) == "pending"
    assert faults_stack.get(f"/api/payments/download/{cv_id}", headers=headers).status_code == 402


def test_amount_mismatch_is_flagged_not_paid(faults_stack, sim):
    headers, cv_id = buyer(faults_stack, phone="0754 550 003")
    ref = initiate(faults_stack, headers, cv_id).json()["data"]["payment"]["reference"]
    sim.pay(ref)
    sim.wait_for_webhook(ref, timeout=10)
    assert status(faults_stack, headers, ref) == "pending"
    ddb = faults_stack.boto3_client("dynamodb")
    item = ddb.get_item(TableName=faults_stack.info()["resources"]["Table"]["Ref"],
                        Key={"pk": {"S": f"PAYMENT#{ref}"}, "sk": {"S": "PAYMENT"}})["Item"]
    assert item["flagged"]["BOOL"] is True
    assert faults_stack.get(f"/api/payments/download/{cv_id}", headers=headers).status_code == 402


def test_lost_webhook_is_finished_by_reconciliation(faults_stack, sim):
    headers, cv_id = buyer(faults_stack, phone="0754 550 002")  # paid, webhook never sent
    ref = initiate(faults_stack, headers, cv_id, method="mobile_money").json()["data"]["payment"]["reference"]
    sim.wait_for(lambda: sim.order(ref)["payment_status"] == "COMPLETED", timeout=10)
    time.sleep(0.3)
    r = faults_stack.post("/_local/invoke/ReconcilePaymentsFunction", json={"min_age_seconds": 0})
    assert r.status_code == 200 and r.json()["completed"] >= 1, r.text
    assert status(faults_stack, headers, ref) == "completed"


@pytest.mark.parametrize("mode", ["down", "slow"])
def test_gateway_down_or_slow_is_502_and_nothing_half_written(faults_stack, sim, mode):
    headers, cv_id = buyer(faults_stack)
    sim.set_mode(mode, **({"slow_seconds": 2} if mode == "slow" else {}))
    try:
        r = initiate(faults_stack, headers, cv_id)
    finally:
        sim.set_mode("normal")
    assert r.status_code == 502 and r.json()["error"]["code"] == "GATEWAY_ERROR"
    listed = faults_stack.get("/api/payments", headers=headers).json()["data"]
    assert [p["status"] for p in listed] == ["failed"]
    assert initiate(faults_stack, headers, cv_id).status_code == 201


def test_already_paid_is_409_and_others_cv_is_404(faults_stack, sim):
    headers, cv_id = buyer(faults_stack)
    ref = initiate(faults_stack, headers, cv_id).json()["data"]["payment"]["reference"]
    sim.pay(ref)
    sim.wait_for_webhook(ref, timeout=10)
    assert initiate(faults_stack, headers, cv_id).json()["error"]["code"] == "ALREADY_PAID"
    other_headers, _ = buyer(faults_stack)
    assert initiate(faults_stack, other_headers, cv_id).status_code == 404
