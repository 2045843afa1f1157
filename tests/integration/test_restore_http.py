"""Over HTTP on the local stack: a paid CV keeps its person, a deleted CV comes back."""
from __future__ import annotations

import time
import uuid

NAME = "Amina Juma"


def _register(stack, anonymous_id=None):
    body = {"full_name": NAME, "email": f"{uuid.uuid4().hex[:8]}@example.com", "password": "correct horse battery",
            "phone_number": "0754 100 400"}
    if anonymous_id:
        body["anonymous_id"] = anonymous_id
    r = stack.post("/api/auth/register", json=body)
    assert r.status_code == 201, r.text
    return {"authorization": f"Bearer {r.json()['data']['access_token']}"}


def test_a_paid_cv_refuses_another_persons_name(stack):
    auth = _register(stack)
    r = stack.post("/api/cvs", json={"template_id": "classic-navy", "content": {"basics": {"name": NAME}}},
                   headers=auth)
    assert r.status_code == 201, r.text
    cv_id = r.json()["data"]["cv"]["id"]
    # Paid by USSD push: the simulator completes the order and sends Selcom's webhook by itself.
    r = stack.post("/api/payments/initiate", json={"cv_id": cv_id, "method": "mobile_money"}, headers=auth)
    assert r.status_code == 201, r.text
    reference = r.json()["data"]["payment"]["reference"]
    deadline = time.monotonic() + 60
    while stack.get(f"/api/payments/verify/{reference}", headers=auth).json()["data"]["payment"]["status"] \
            != "completed":
        assert time.monotonic() < deadline, "the payment did not complete"
        time.sleep(0.25)

    r = stack.put(f"/api/cvs/{cv_id}", json={"content": {"basics": {"name": "John Smith"}}}, headers=auth)
    assert r.status_code == 409 and r.json()["error"]["code"] == "PAID_CV_LOCKED", r.text
    assert stack.get(f"/api/cvs/{cv_id}", headers=auth).json()["data"]["cv"]["content"]["basics"]["name"] == NAME
    r = stack.put(f"/api/cvs/{cv_id}", json={"content": {"basics": {"name": "Amina Jumaa", "label": "Nurse"}}},
                  headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["cv"]["pdf_status"] == "rendering"


def test_a_deleted_cv_comes_back(stack):
    r = stack.post("/api/cvs", json={"template_id": "modern-ocean", "content": {"basics": {"name": "Neema"}}})
    assert r.status_code == 201, r.text
    mine = {"x-anonymous-id": r.json()["data"]["anonymous_id"]}
    cv = r.json()["data"]["cv"]
    assert stack.delete(f"/api/cvs/{cv['id']}", headers=mine).status_code == 204
    assert stack.get("/api/cvs", headers=mine).json()["data"] == []
    deleted = stack.get("/api/cvs", params={"deleted": "true"}, headers=mine).json()["data"]
    assert [c["id"] for c in deleted] == [cv["id"]] and deleted[0]["restorable_until"] > deleted[0]["deleted_at"]
    stranger = {"x-anonymous-id": str(uuid.uuid4())}
    assert stack.post(f"/api/cvs/{cv['id']}/restore", headers=stranger).status_code == 404

    r = stack.post(f"/api/cvs/{cv['id']}/restore", headers=mine)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["cv"]["content"] == cv["content"]
    assert [c["id"] for c in stack.get("/api/cvs", headers=mine).json()["data"]] == [cv["id"]]
    assert stack.get("/api/cvs", params={"deleted": "true"}, headers=mine).json()["data"] == []

    # An admin brings back a CV it deleted.
    admin = stack.post("/api/auth/login", json={"email": stack.admin_email, "password": stack.admin_password})
    admin_auth = {"authorization": f"Bearer {admin.json()['data']['access_token']}"}
    assert stack.delete(f"/api/admin/cvs/{cv['id']}", headers=admin_auth).status_code == 204
    assert stack.post(f"/api/cvs/{cv['id']}/restore", headers=mine).status_code == 404
    r = stack.post(f"/api/admin/cvs/{cv['id']}/restore", headers=admin_auth)
    assert r.status_code == 200 and r.json()["data"]["cv"]["deleted_at"] is None, r.text
    assert stack.get(f"/api/cvs/{cv['id']}", headers=mine).status_code == 200
