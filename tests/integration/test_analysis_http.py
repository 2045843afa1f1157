"""The resume check over HTTP on the local stack: asked for, run by the stack's consumer of the
analysis queue, read back by its owner only; and with a fake language model on loopback that
an admin configures in the settings, whose findings are marked and whose failure costs nothing."""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from tests.support.stack import ADMIN_EMAIL, ADMIN_PASSWORD

RESUMES = Path(__file__).resolve().parents[1] / "fixtures" / "resumes"


def _resume(name: str) -> dict:
    return json.loads((RESUMES / f"{name}.json").read_text(encoding="utf-8"))


def _user(stack) -> str:
    r = stack.post("/api/auth/register", json={"full_name": "Amina Juma", "email": f"amina-{uuid.uuid4().hex[:8]}@example.com",
                                               "password": "correct horse battery"})
    assert r.status_code == 201, r.text
    token = r.json()["data"]["access_token"]
    r = stack.patch("/api/user/me", json={"locale": "en"}, headers={"authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return token


def _cv(stack, headers: dict, content: dict) -> str:
    r = stack.post("/api/cvs", json={"template_id": "classic-navy", "content": content}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["data"]["cv"]["id"]


def _finished(stack, headers: dict, cv_id: str, analysis_id: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        r = stack.get(f"/api/cvs/{cv_id}/analysis/{analysis_id}", headers=headers)
        assert r.status_code == 200, r.text
        analysis = r.json()["data"]["analysis"]
        if analysis["status"] != "pending":
            return analysis
        assert time.monotonic() < deadline, analysis
        time.sleep(0.3)


def _check(stack, headers: dict, cv_id: str, **body) -> dict:
    r = stack.post(f"/api/cvs/{cv_id}/analysis", json=body, headers=headers)
    assert r.status_code == 202, r.text
    started = r.json()["data"]["analysis"]
    assert started["status"] == "pending"
    return _finished(stack, headers, cv_id, started["id"])


def test_a_strong_cv_scores_clearly_above_a_weak_one_and_only_its_owner_reads_it(stack):
    mine = {"authorization": f"Bearer {_user(stack)}"}
    strong_cv = _cv(stack, mine, _resume("stackoverflow-theme-sample"))
    weak_cv = _cv(stack, mine, _resume("weak-responsible-for"))

    strong = _check(stack, mine, strong_cv, job_description="Full stack developer: React, Node.js, Haskell")
    weak = _check(stack, mine, weak_cv)
    assert strong["status"] == weak["status"] == "done"
    assert strong["score"] - weak["score"] >= 30, (strong["score"], weak["score"])
    assert "React" in strong["keywords"]["matched"] and "Haskell" in strong["keywords"]["missing"]
    content = _resume("weak-responsible-for")
    paths = {f["path"] for f in weak["findings"]}
    assert "/work/0/highlights/0" in paths and content["work"][0]["highlights"][0].startswith("Responsible for")
    assert any(f["rule"] == "verbs.weak_phrase" and "action verb" in f["message"] for f in weak["findings"])

    r = stack.get(f"/api/cvs/{strong_cv}/analysis", headers=mine)
    assert r.status_code == 200 and [a["id"] for a in r.json()["data"]] == [strong["id"]]

    other = {"authorization": f"Bearer {_user(stack)}"}
    visitor = {"x-anonymous-id": str(uuid.uuid4())}
    for headers in (other, visitor):
        r = stack.get(f"/api/cvs/{strong_cv}/analysis/{strong['id']}", headers=headers)
        assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
        assert stack.get(f"/api/cvs/{strong_cv}/analysis", headers=headers).status_code == 404
    assert stack.get(f"/api/cvs/{strong_cv}/analysis/{strong['id']}").status_code == 401
    r = stack.post(f"/api/cvs/{strong_cv}/analysis", json={"job_description": "x" * 20_001}, headers=mine)
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_FAILED"


@pytest.fixture
def model(stack):
    """A fake OpenAI-compatible API on loopback, set in the stack's settings by its admin."""
    from local.ai_sim import start

    sim = start(api_key="sk-integration-model-key-42")
    r = stack.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    admin = {"authorization": f"Bearer {r.json()['data']['access_token']}"}
    r = stack.put("/api/admin/settings", headers=admin, json={
        "ai_provider": "openai", "openai_api_key": "sk-integration-model-key-42", "ai_base_url": sim.url})
    assert r.status_code == 200, r.text
    assert "model-key-42" not in r.text and r.json()["data"]["openai_api_key"] == "••••y-42"
    try:
        yield sim
    finally:
        stack.put("/api/admin/settings", headers=admin, json={"ai_provider": "none"})
        sim.stop()


def test_a_configured_model_adds_marked_findings_and_its_failure_leaves_a_complete_analysis(stack, model):
    mine = {"authorization": f"Bearer {_user(stack)}"}
    cv_id = _cv(stack, mine, _resume("macchiato-theme-sample"))

    analysis = _check(stack, mine, cv_id)
    from_model = [f for f in analysis["findings"] if f["source"] == "model"]
    assert {f["path"] for f in from_model} == {"/work/0/highlights/0", "/basics/summary"}  # "/nothing/here" dropped
    assert all(f["rule"].startswith("model.") for f in from_model)
    assert analysis["model"] == {"provider": "openai", "used": True}
    assert model.requests and model.requests[-1]["authorization_ok"]

    model.set_mode("down")
    failed_model = _check(stack, mine, cv_id)
    assert failed_model["status"] == "done" and failed_model["score"] == analysis["score"]
    assert all(f["source"] == "rules" for f in failed_model["findings"])
    assert failed_model["model"] == {"provider": "openai", "used": False}
    assert failed_model["notes"] == ["The language model was not used: the model API answered 503."]
    assert "model-key-42" not in stack.output()
