"""Every sample event in events/ runs through its function against moto and succeeds.

The events are the ones a developer passes to `sam local invoke -e`. Placeholders for
secrets that cannot live in a file (a fresh access or refresh token) are filled in here,
from a user this test registers and an admin it ensures: see events/README.md.
"""
from __future__ import annotations

import json

import pytest

from local.template import ROOT, load_template
from tests.support.apigw import invoke

TEMPLATE = load_template()
EVENT_FILES = sorted((ROOT / "events").rglob("*.json"))
OWNER = {"full_name": "Amina Juma", "email": "amina@example.com", "password": "correct horse battery"}
ADMIN = {"email": "admin@cvchapchap.local", "password": "ChapChap-Admin-2026!"}
UNUSED_TEMPLATE = "sample-unused"  # what the admin template events (update, status, delete) act on


def _function_for(path):
    for fn in TEMPLATE.functions.values():
        if fn.event_file == path:
            return fn
    raise AssertionError(f"{path} belongs to no function in template.yaml")


@pytest.fixture
def tokens(aws, catalog, selcom_sim, api):
    """A user with two CVs: one unpaid (for the CV and initiate events) and one paid through
    the simulator (for the verify, receipt, download and callback events)."""
    reply = api.post("/api/auth/register", json={**OWNER, "phone_number": "0754321987"})
    assert reply.status == 201, reply.body
    token = reply.data["access_token"]

    def new_cv():
        cv = api.post("/api/cvs", json={"template_id": "classic-navy", "content": {"basics": {"name": "Amina Juma"}}},
                      token=token)
        assert cv.status == 201, cv.body
        return cv.data["cv"]["id"]

    paid_cv = new_cv()
    payment = api.post("/api/payments/initiate", json={"cv_id": paid_cv, "method": "card"}, token=token)
    assert payment.status == 201, payment.body
    reference = payment.data["payment"]["reference"]
    selcom_sim.pay(reference)
    api.post("/api/payments/callback", json={"order_id": reference, "payment_status": "COMPLETED"})
    return {**reply.data, "cv_id": new_cv(), "paid_cv_id": paid_cv, "reference": reference,
            "user_id": reply.data["user"]["id"], "admin_token": _admin_token(api)}


def _admin_token(api) -> str:
    """An admin account (as the local stack makes one) and a template no CV uses."""
    from chapchap import accounts
    from chapchap.data import templates

    accounts.ensure_admin(ADMIN["email"], ADMIN["password"])
    templates.put_if_absent(templates.new_template(id=UNUSED_TEMPLATE, name="Sample Unused", description="",
                                                   layout="compact", theme={}, price=None, sort=90))
    reply = api.post("/api/auth/login", json=ADMIN)
    assert reply.status == 200, reply.body
    return reply.data["access_token"]


def _fill(text: str, tokens: dict) -> dict:
    text = text.replace("REPLACE_WITH_ACCESS_TOKEN", tokens["access_token"])
    text = text.replace("REPLACE_WITH_REFRESH_TOKEN", tokens["refresh_token"])
    text = text.replace("REPLACE_WITH_PAYMENT_REFERENCE", tokens["reference"])
    text = text.replace("REPLACE_WITH_ADMIN_TOKEN", tokens["admin_token"])
    text = text.replace("REPLACE_WITH_USER_ID", tokens["user_id"])
    text = text.replace("REPLACE_WITH_TEMPLATE_ID", UNUSED_TEMPLATE)
    event = json.loads(text)
    paid_routes = ("GET /api/payments/download/{cv_id}",)
    cv_id = tokens["paid_cv_id"] if event.get("routeKey") in paid_routes else tokens["cv_id"]
    return json.loads(json.dumps(event).replace("REPLACE_WITH_CV_ID", cv_id))


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: str(p.relative_to(ROOT / "events")))
def test_sample_event_runs(path, tokens):
    fn = _function_for(path)
    event = _fill(path.read_text(), tokens)
    result = invoke(fn.logical_id, event)
    if fn.events_of("HttpApi"):
        assert result["statusCode"] < 400, result.get("body")
        assert result["headers"]["X-Content-Type-Options"] == "nosniff"
    else:
        assert not (result or {}).get("batchItemFailures"), result


def test_every_function_has_an_event():
    missing = [fn.logical_id for fn in TEMPLATE.functions.values() if not fn.event_file.exists()]
    assert not missing, f"functions without a sample event in events/: {missing}"
