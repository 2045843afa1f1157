"""Over HTTP on the local stack: Selcom completes an order without telling us (the simulator's
`0002` phone: no webhook); the desk finds it by phone, one recheck completes it, the admin stats
count it once, a second recheck changes nothing, and the story shows every check."""
from __future__ import annotations

import json
import re
import uuid
from urllib.parse import urljoin

import requests

SILENT_PHONE = "0754 100 002"  # the simulator pays it and never sends the webhook


def _admin(stack) -> dict:
    r = stack.post("/api/auth/login", json={"email": stack.admin_email, "password": stack.admin_password})
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['data']['access_token']}"}


def test_a_silently_completed_payment_is_found_and_completed_by_one_recheck(stack):
    email = f"Desk-{uuid.uuid4().hex[:8]}@Example.com"
    r = stack.post("/api/auth/register", json={"full_name": "Amina Juma", "email": email,
                                               "password": "correct horse battery", "phone_number": SILENT_PHONE})
    assert r.status_code == 201, r.text
    auth = {"authorization": f"Bearer {r.json()['data']['access_token']}"}
    r = stack.post("/api/cvs", json={"template_id": "classic-navy", "content": {"basics": {"name": "Amina"}}},
                   headers=auth)
    assert r.status_code == 201, r.text
    r = stack.post("/api/payments/initiate", json={"cv_id": r.json()["data"]["cv"]["id"], "method": "card"},
                   headers=auth)
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    reference, amount = data["payment"]["reference"], data["payment"]["amount"]
    # Pay on the simulator's checkout page: COMPLETED at Selcom, and no webhook ever leaves.
    page = requests.get(data["checkout_url"], timeout=10)
    action = re.search(r'action="([^"]+/pay)"', page.text).group(1)
    assert requests.post(urljoin(data["checkout_url"], action), timeout=10, allow_redirects=False).status_code < 400

    admin = _admin(stack)
    revenue = stack.get("/api/admin/stats", headers=admin).json()["data"]["total_revenue"]
    for q in ("+255 754 100 002", "0754100002", reference.lower(), email.upper()):
        r = stack.get("/api/admin/payments", params={"q": q}, headers=admin)
        assert r.status_code == 200, r.text
        found = [p for p in r.json()["data"] if p["reference"] == reference]
        assert found and found[0]["status"] == "pending", q

    r = stack.post(f"/api/admin/payments/{reference}/recheck", headers=admin)
    assert r.status_code == 200, r.text
    payment = r.json()["data"]["payment"]
    assert payment["status"] == "completed" and payment["completed_by"] == "recheck"
    assert stack.get("/api/admin/stats", headers=admin).json()["data"]["total_revenue"] == revenue + amount
    r = stack.post(f"/api/admin/payments/{reference}/recheck", headers=admin)
    assert r.status_code == 200 and r.json()["data"]["payment"]["status"] == "completed"
    assert stack.get("/api/admin/stats", headers=admin).json()["data"]["total_revenue"] == revenue + amount

    # From now on Selcom's transaction id finds it too.
    r = stack.get("/api/admin/payments", params={"q": payment["transaction_id"]}, headers=admin)
    assert [p["reference"] for p in r.json()["data"]] == [reference]

    r = stack.get(f"/api/admin/payments/{reference}", headers=admin)
    assert r.status_code == 200, r.text
    story = r.json()["data"]
    assert story["user"]["email"] == email.lower() and story["cv"]["is_paid"] is True
    kinds = [e["kind"] for e in story["timeline"]]
    assert kinds[0] == "initiated" and "webhook" not in kinds
    checks = [e["details"] for e in story["timeline"] if e["kind"] == "status_check"]
    assert [(c["source"], c["status_after"]) for c in checks][-2:] == [("recheck", "completed"),
                                                                       ("recheck", "completed")]
    assert [e["details"]["action"] for e in story["timeline"] if e["kind"] == "admin_action"] == \
        ["payment.recheck", "payment.recheck"]
    assert "selcom-api" not in json.dumps(story).lower()

    r = stack.get("/api/admin/payments/CVNOSUCH22", headers=admin)
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
