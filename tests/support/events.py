"""The sample events of events/, made runnable: the entities their placeholders name.

The events are the ones a developer passes to `sam local invoke -e`. Placeholders for
secrets that cannot live in a file (a fresh access or refresh token) and for ids are filled
from a user registered here and an admin ensured here: see events/README.md. Used by
tests/unit/test_events.py (every event succeeds) and bench/ddb_calls.py (what each costs).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local.template import ROOT, Function, load_template

TEMPLATE = load_template()
# events/env.json is the functions' environment for `sam local invoke --env-vars`, not an event.
ENV_VARS_FILE = ROOT / "events" / "env.json"
EVENT_FILES = sorted(p for p in (ROOT / "events").rglob("*.json") if p != ENV_VARS_FILE)
OWNER = {"full_name": "Amina Juma", "email": "amina@example.com", "password": "correct horse battery"}
ADMIN = {"email": "admin@cvchapchap.local", "password": "ChapChap-Admin-2026!"}
UNUSED_TEMPLATE = "sample-unused"  # what the admin template events (update, status, delete) act on
# The routes whose sample acts on the paid CV rather than the unpaid one.
PAID_ROUTES = ("GET /api/payments/download/{cv_id}", "POST /api/cvs/{id}/share", "DELETE /api/cvs/{id}/share",
               "GET /api/cvs/{id}/share/views")


def function_for(path: Path) -> Function:
    for fn in TEMPLATE.functions.values():
        if fn.event_file == path:
            return fn
    raise AssertionError(f"{path} belongs to no function in template.yaml")


def new_cv(api, token: str) -> str:
    cv = api.post("/api/cvs", json={"template_id": "classic-navy", "content": {"basics": {"name": "Amina Juma"}}},
                  token=token)
    assert cv.status == 201, cv.body
    return cv.data["cv"]["id"]


def deleted_cv(api, token: str) -> str:
    """A CV its owner deleted a moment ago (what the restore events bring back)."""
    cv_id = new_cv(api, token)
    reply = api.delete(f"/api/cvs/{cv_id}", token=token)
    assert reply.status == 204, reply.body
    return cv_id


def paid_reference(api, selcom_sim, token: str, cv_id: str, *, deliver: bool = True) -> str:
    """A card payment for the CV, paid at the simulator; with `deliver`, Selcom's webhook too."""
    payment = api.post("/api/payments/initiate", json={"cv_id": cv_id, "method": "card"}, token=token)
    assert payment.status == 201, payment.body
    reference = payment.data["payment"]["reference"]
    selcom_sim.pay(reference)
    if deliver:
        api.post("/api/payments/callback", json={"order_id": reference, "payment_status": "COMPLETED"})
    return reference


def sample_context(api, selcom_sim, owner: dict[str, str] | None = None) -> dict[str, Any]:
    """A user with three CVs: one unpaid (for the CV and initiate events), one paid through
    the simulator (for the verify, receipt, download and callback events) and one deleted (for
    the restore events); and an admin.
    Needs the starter templates (chapchap.templates.catalog.seed_starter_templates)."""
    reply = api.post("/api/auth/register", json={**(owner or OWNER), "phone_number": "0754321987"})
    assert reply.status == 201, reply.body
    token = reply.data["access_token"]
    paid_cv = new_cv(api, token)
    reference = paid_reference(api, selcom_sim, token, paid_cv)
    return {**reply.data, "cv_id": new_cv(api, token), "paid_cv_id": paid_cv, "reference": reference,
            "deleted_cv_id": deleted_cv(api, token),
            "user_id": reply.data["user"]["id"], "admin_token": admin_token(api),
            "template_id": UNUSED_TEMPLATE}


def reset_token(user_id: str) -> str:
    """A live password reset of the user (replacing any), as an emailed link carries it (the real token
    travels only in the queued email)."""
    import secrets
    import uuid

    from chapchap.data import resets, table

    secret = secrets.token_urlsafe(32)
    table.transact([resets.new_op(resets.reset_key(user_id), reset_id=uuid.uuid4().hex, user_id=user_id,
                                  channel="email", secret=secret)])
    return f"{uuid.UUID(user_id).hex}.{secret}"


def share_slug(context: dict[str, Any]) -> str:
    """The slug of the paid CV's live share link (another event may have revoked it)."""
    from chapchap.cvs import sharing
    from chapchap.data.cvs import Owner

    return sharing.share(Owner("user", context["user_id"]), context["paid_cv_id"]).share["slug"]


def admin_token(api) -> str:
    """An admin account (as the local stack makes one) and a template no CV uses."""
    from chapchap.auth import accounts
    from chapchap.data import templates

    accounts.ensure_admin(ADMIN["email"], ADMIN["password"])
    templates.put_if_absent(templates.new_template(id=UNUSED_TEMPLATE, name="Sample Unused", description="",
                                                   layout="compact", theme={}, price=None, sort=90))
    reply = api.post("/api/auth/login", json=ADMIN)
    assert reply.status == 200, reply.body
    return reply.data["access_token"]


def new_analysis(user_id: str, cv_id: str) -> str:
    """A pending resume check of the user's CV (its queue message is sent too)."""
    from chapchap.analysis import jobs
    from chapchap.data.cvs import Owner

    return jobs.start(Owner("user", user_id), cv_id, job_description=None, locale="en")["id"]


def fill(text: str, context: dict[str, Any]) -> dict:
    """The event of a sample file, its placeholders replaced from `context`."""
    text = text.replace("REPLACE_WITH_ACCESS_TOKEN", context["access_token"])
    text = text.replace("REPLACE_WITH_REFRESH_TOKEN", context["refresh_token"])
    text = text.replace("REPLACE_WITH_PAYMENT_REFERENCE", context["reference"])
    text = text.replace("REPLACE_WITH_ADMIN_TOKEN", context["admin_token"])
    text = text.replace("REPLACE_WITH_USER_ID", context["user_id"])
    text = text.replace("REPLACE_WITH_TEMPLATE_ID", context.get("template_id", UNUSED_TEMPLATE))
    if "deleted_cv_id" in context:
        text = text.replace("REPLACE_WITH_DELETED_CV_ID", context["deleted_cv_id"])
    if "REPLACE_WITH_RESET_TOKEN" in text:  # made now: a reset request since would replace it
        text = text.replace("REPLACE_WITH_RESET_TOKEN", reset_token(context["user_id"]))
    if "REPLACE_WITH_SHARE_SLUG" in text:  # the paid CV's live link, made now if it has none
        text = text.replace("REPLACE_WITH_SHARE_SLUG", share_slug(context))
    event = json.loads(text)
    if event.get("routeKey") == "GET /api/cvs/{id}/share/views":
        share_slug(context)  # views belong to a live link (another event may have revoked it)
    cv_id = context["paid_cv_id"] if event.get("routeKey") in PAID_ROUTES else context["cv_id"]
    if "REPLACE_WITH_ANALYSIS_ID" in text:  # a check of that CV, asked for now
        text = text.replace("REPLACE_WITH_ANALYSIS_ID", new_analysis(context["user_id"], cv_id))
        event = json.loads(text)
    return json.loads(json.dumps(event).replace("REPLACE_WITH_CV_ID", cv_id))
