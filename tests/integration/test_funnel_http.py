"""Over HTTP on the local stack: the funnel moves by what a visitor did, split by method and
network; the admin's PDF link serves the PDF and counts nothing; users are found by phone and
by a word of their name."""
from __future__ import annotations

import time
import uuid

import requests

PASSWORD = "correct horse battery"


def _admin(stack):
    r = stack.post("/api/auth/login", json={"email": stack.admin_email, "password": stack.admin_password})
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['data']['access_token']}"}


def _funnel(stack, admin):
    r = stack.get("/api/admin/funnel", headers=admin)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    flat = {k: v for k, v in data.items() if not isinstance(v, dict)}
    for split in ("by_method", "by_network"):
        for name, steps in data[split].items():
            flat.update({f"{split}.{name}.{step}": n for step, n in steps.items()})
    return flat


def _stats(stack, admin):
    r = stack.get("/api/admin/stats", headers=admin)
    assert r.status_code == 200, r.text
    return {k: v for k, v in r.json()["data"].items() if k != "as_of"}


def _until(check, what, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, what
        time.sleep(0.25)


def test_funnel_pdf_link_and_user_search_over_http(stack):
    admin = _admin(stack)
    before = _funnel(stack, admin)

    # A visitor's CV, handed over at sign-up; paid by USSD push from a Halotel number; then a
    # payment from an Airtel number the simulator rejects.
    r = stack.post("/api/cvs", json={"template_id": "classic-navy", "content": {"basics": {"name": "Zuhura"}}})
    assert r.status_code == 201, r.text
    visitor, cv_id = r.json()["data"]["anonymous_id"], r.json()["data"]["cv"]["id"]
    email = f"zuhura-{uuid.uuid4().hex[:6]}@example.com"
    r = stack.post("/api/auth/register", json={"full_name": "Zuhura Mwanaisha Ngʼwandu", "email": email,
                                               "password": PASSWORD, "phone_number": "+255 621 400 500",
                                               "anonymous_id": visitor})
    assert r.status_code == 201, r.text
    auth = {"authorization": f"Bearer {r.json()['data']['access_token']}"}
    r = stack.post("/api/payments/initiate", json={"cv_id": cv_id, "method": "mobile_money"}, headers=auth)
    assert r.status_code == 201, r.text
    reference = r.json()["data"]["payment"]["reference"]
    _until(lambda: stack.get(f"/api/payments/verify/{reference}", headers=auth).json()["data"]["payment"]["status"]
           == "completed", "the payment did not complete")
    other = stack.post("/api/cvs", json={"template_id": "classic-navy", "content": {"basics": {"name": "Zuhura"}}},
                       headers=auth).json()["data"]["cv"]["id"]
    r = stack.post("/api/payments/initiate", json={"cv_id": other, "method": "mobile_money",
                                                   "phone_number": "0688 000 001"}, headers=auth)
    assert r.status_code == 201, r.text
    rejected = r.json()["data"]["payment"]["reference"]
    _until(lambda: stack.get(f"/api/payments/verify/{rejected}", headers=auth).json()["data"]["payment"]["status"]
           == "failed", "the payment was not refused")

    # The owner's download counts; the admin's link to the same PDF does not.
    download = _until(lambda: (lambda r: r if r.status_code == 200 else None)(
        stack.get(f"/api/payments/download/{cv_id}", headers=auth)), "the PDF was not rendered")
    assert download.json()["data"]["download_count"] == 1
    stats = _stats(stack, admin)
    middle = _funnel(stack, admin)
    r = stack.get(f"/api/admin/cvs/{cv_id}/pdf", headers=admin)
    assert r.status_code == 200, r.text
    pdf = requests.get(r.json()["data"]["url"], timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert _stats(stack, admin) == stats and _funnel(stack, admin) == middle
    assert stack.get(f"/api/admin/cvs/{cv_id}/pdf", headers=auth).status_code == 403

    after = _funnel(stack, admin)
    changed = {k: after[k] - before[k] for k in after if after[k] != before[k]}
    assert changed == {
        "anonymous_cvs": 1, "registered_users": 1, "cvs_handed_over": 1,
        "payments_started": 2, "payments_completed": 1, "payments_failed": 1, "downloads": 1,
        "by_method.mobile_money.payments_started": 2, "by_method.mobile_money.payments_completed": 1,
        "by_method.mobile_money.payments_failed": 1,
        "by_network.halotel.payments_started": 1, "by_network.halotel.payments_completed": 1,
        "by_network.airtel.payments_started": 1, "by_network.airtel.payments_failed": 1,
    }, changed

    # Found by the number in the 07 and +255 forms, and by a prefix of a later word of the name.
    for q in ("0621400500", "+255 621 400 500", "mwanai", "NGʼWA", "ngwand"):
        r = stack.get("/api/admin/users", params={"q": q}, headers=admin)
        assert r.status_code == 200, r.text
        assert email in [u["email"] for u in r.json()["data"]], (q, r.text)
