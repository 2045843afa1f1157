"""Money invariants under any order and repetition of webhooks, verify calls and
reconciliation runs: revenue is never counted twice, and nothing is paid without Selcom's
COMPLETED with the amount we asked for. Random sequences, fixed seeds (reproducible)."""
from __future__ import annotations

import json
import random

import pytest

from chapchap.payments import reconcile, webhook
from chapchap.data import counters, table
from chapchap.data import cvs as cv_data
from chapchap.data import payments as pay_data

pytestmark = pytest.mark.usefixtures("catalog")
PHONES = {"normal": "0754000111", "mismatch": "0754000003", "silent": "0754000004", "rejecting": "0754000001"}


def setup_payments(api, sim):
    out = []
    for kind, phone in PHONES.items():
        auth = api.post("/api/auth/register", json={"full_name": kind, "email": f"{kind}@example.com",
                                                    "password": "correct horse battery", "phone_number": phone}).data
        token = auth["access_token"]
        cv = api.post("/api/cvs", json={"template_id": "modern-ocean", "content": {}}, token=token).data["cv"]
        for _ in range(2):  # two orders for the same CV: both may be paid
            ref = api.post("/api/payments/initiate", json={"cv_id": cv["id"], "method": "card"},
                           token=token).data["payment"]["reference"]
            out.append({"ref": ref, "cv_id": cv["id"], "kind": kind, "token": token})
    return out


def check_invariants(sim, orders):
    completed = []
    for o in orders:
        stored = pay_data.get(o["ref"])
        selcom = sim.order(o["ref"])
        if stored["status"] == "completed":
            completed.append(stored)
            # Never paid without Selcom's COMPLETED for exactly our amount.
            assert selcom["payment_status"] == "COMPLETED", (o, selcom["payment_status"])
            assert o["kind"] != "mismatch"
    total = counters.read([counters.total_key()]).get(counters.total_key(), {})
    assert total.get("revenue", 0) == sum(p["amount"] for p in completed)
    paid_cvs = {o["cv_id"] for o in orders if cv_data.get(o["cv_id"], consistent=True)["is_paid"]}
    assert paid_cvs == {p["cv_id"] for p in completed}
    assert total.get("paid_cvs", 0) == len(paid_cvs)
    return completed


@pytest.mark.parametrize("seed", range(4))
def test_random_orders_of_events_keep_money_exact(api, selcom_sim, seed, monkeypatch):
    rng = random.Random(seed)
    orders = setup_payments(api, selcom_sim)
    paid_at_selcom = set()

    def act():
        o = rng.choice(orders)
        action = rng.choice(["pay", "cancel", "webhook", "forged", "duplicate", "verify", "reconcile"])
        order = selcom_sim.order(o["ref"])
        if action == "pay" and order["payment_status"] == "PENDING" and o["kind"] != "silent":
            selcom_sim.pay(o["ref"])
            paid_at_selcom.add(o["ref"])
        elif action == "cancel" and order["payment_status"] == "PENDING":
            selcom_sim.cancel(o["ref"])
        elif action in ("webhook", "duplicate"):
            body = json.dumps({"order_id": o["ref"], "payment_status": order["payment_status"]})
            for _ in range(3 if action == "duplicate" else 1):
                webhook.receive(webhook.Callback(body=body, data=json.loads(body)))
        elif action == "forged":
            forged = {"order_id": o["ref"], "payment_status": "COMPLETED"}
            webhook.receive(webhook.Callback(body=json.dumps(forged), data=forged))
        elif action == "verify":
            table.update(*pay_data.payment_key(o["ref"]), "REMOVE last_checked_at")
            api.get(f"/api/payments/verify/{o['ref']}", token=o["token"])
        elif action == "reconcile":
            from datetime import timedelta
            reconcile.reconcile(min_age=timedelta(0))

    for _ in range(30):
        act()
        check_invariants(selcom_sim, orders)
    # Liveness: one reconciliation settles everything Selcom completed for the right amount.
    from datetime import timedelta
    reconcile.reconcile(min_age=timedelta(0))
    completed = {p["reference"] for p in check_invariants(selcom_sim, orders)}
    should = {o["ref"] for o in orders if selcom_sim.order(o["ref"])["payment_status"] == "COMPLETED"
              and o["kind"] != "mismatch"}
    assert completed == should
