"""The resume check: scores calibrated on real JSON Resume samples, findings that point into
the content, keywords of a job description, the owner-only routes, the queue worker, and a
language model (a fake on loopback) whose findings are marked and whose failure costs nothing."""
from __future__ import annotations

import json
import os
import uuid
from datetime import date
from pathlib import Path

import pytest

from tests.support.apigw import invoke
from tests.support.shop import admin_token, freeze, new_cv, register
from tests.support.world import REGION

pytestmark = pytest.mark.usefixtures("catalog")

RESUMES = Path(__file__).resolve().parent.parent / "fixtures" / "resumes"
STRONG = ("stackoverflow-theme-sample", "macchiato-theme-sample")
WEAK = ("weak-responsible-for", "weak-no-summary-no-dates", "weak-swahili")
TODAY = date(2026, 12, 2)


def english_user(api, email: str = "amina@example.com") -> str:
    token = register(api, email)["access_token"]
    reply = api.patch("/api/user/me", json={"locale": "en"}, token=token)
    assert reply.status == 200, reply.body
    return token


def resume(name: str) -> dict:
    return json.loads((RESUMES / f"{name}.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the rules, pure
def test_weak_cvs_score_far_below_the_strong_samples():
    from chapchap.analysis import rules

    strong = {n: rules.score(resume(n), locale="en", today=TODAY)["score"] for n in STRONG}
    weak = {n: rules.score(resume(n), locale="sw", today=TODAY)["score"] for n in WEAK}
    assert min(strong.values()) - max(weak.values()) >= 30, (strong, weak)
    middling = rules.score(resume("onepage-theme-sample"), locale="en", today=TODAY)["score"]
    assert max(weak.values()) < middling < min(strong.values())


@pytest.mark.parametrize("name", [p.stem for p in sorted(RESUMES.glob("*.json"))])
def test_every_finding_points_inside_the_content_and_sub_scores_add_up(name):
    from chapchap.analysis import rules
    from chapchap.analysis.pointer import resolves
    from chapchap.models.resume import Resume

    content = resume(name)
    Resume.model_validate(content)  # a CV the API would store
    outcome = rules.score(content, locale="sw", today=TODAY)
    assert outcome["score"] == sum(s["score"] for s in outcome["sections"].values())
    assert sum(s["max"] for s in outcome["sections"].values()) == 100
    assert all(0 <= s["score"] <= s["max"] for s in outcome["sections"].values())
    for finding in outcome["findings"]:
        assert resolves(content, finding["path"]), finding
        assert finding["severity"] in ("info", "warning", "error") and finding["message"]


def test_the_weak_cv_is_told_why_in_its_readers_language():
    from chapchap.analysis import rules

    content = resume("weak-responsible-for")
    sw = rules.score(content, locale="sw", today=TODAY)["findings"]
    en = rules.score(content, locale="en", today=TODAY)["findings"]
    rules_found = {f["rule"] for f in sw}
    assert {"summary.missing", "verbs.weak_phrase", "quantified.none", "dates.missing"} <= rules_found
    weak = {f["path"]: f for f in en if f["rule"] == "verbs.weak_phrase"}
    assert '"responsible for"' in weak["/work/0/highlights/0"]["message"]
    assert "/work/1/summary" in weak  # a duty in a job's summary too
    assert [f["message"] for f in sw] != [f["message"] for f in en]
    assert "kitenzi" in next(f["message"] for f in sw if f["rule"] == "verbs.weak_phrase")


def test_swahili_weak_phrases_gaps_future_dates_tense_and_date_formats():
    from chapchap.analysis import rules

    swahili = rules.score(resume("weak-swahili"), locale="sw", today=TODAY)
    found = {(f["rule"], f["path"]) for f in swahili["findings"]}
    assert ("verbs.weak_phrase", "/work/0/highlights/0") in found
    assert ("consistency.date_format", "/work/0/startDate") in found
    content = {"basics": {"name": "A"}, "work": [
        {"name": "B", "startDate": "2015-01", "endDate": "2017-01", "highlights": ["Manage a team of 5"]},
        {"name": "C", "startDate": "2019-06", "endDate": "2027-01", "highlights": ["Led 3 projects"]},
        {"name": "D", "startDate": "2018-01", "endDate": "2017-12"}]}
    found = {(f["rule"], f["path"]) for f in rules.score(content, locale="en", today=TODAY)["findings"]}
    assert ("dates.gap", "/work/1") in found  # 2017-01 .. 2019-06 with nothing between but D (a month)
    assert ("dates.future", "/work/1/endDate") in found
    assert ("dates.end_before_start", "/work/2/endDate") in found
    assert ("consistency.tense", "/work/0/highlights/0") in found


def test_findings_are_capped_the_most_serious_first():
    from chapchap.analysis import rules

    content = {"basics": {"name": "A"}, "work": [{"name": "B", "highlights": ["Responsible for tea"] * 400}]}
    findings = rules.score(content, locale="en", today=TODAY)["findings"]
    assert len(findings) == rules.MAX_FINDINGS
    assert findings[0]["severity"] == "error" and findings[-1]["severity"] == "warning"


def test_pages_are_estimated_as_the_renderer_prints_them():
    from chapchap.analysis import rules

    cvs = Path(__file__).resolve().parent.parent / "fixtures" / "cvs"
    pages = {n: rules.estimate_pages(json.loads((cvs / f"{n}.json").read_text()))[0]
             for n in ("one_page", "two_pages", "three_pages", "unicode")}
    # tests/unit/test_pdf_render.py: 1, 2, 4 (classic) and 2 pages
    assert pages == {"one_page": 1, "two_pages": 2, "three_pages": 4, "unicode": 2}


def test_json_pointers_escape_and_resolve_as_rfc_6901_says():
    from chapchap.analysis.pointer import pointer, resolves

    document = {"a/b": {"m~n": [10, 20]}, "": 1}
    assert pointer("a/b", "m~n", 1) == "/a~1b/m~0n/1"
    assert resolves(document, "/a~1b/m~0n/1") and resolves(document, "") and resolves(document, "/")
    for bad in ("/a~1b/m~0n/2", "/a~1b/m~0n/01", "/a~1b/m~0n/-", "a", "/x", None, 3):
        assert not resolves(document, bad), bad


def test_keywords_fold_case_accents_plurals_and_stop_words_in_both_languages():
    from chapchap.analysis import keywords

    content = {"basics": {"summary": "Accountant managing budgets and the café's payroll"},
               "skills": [{"name": "Tools", "keywords": ["QuickBooks", "Excel"]}]}
    found = keywords.compare(content, "Tunatafuta ACCOUNTANTS wenye ujuzi wa Budget, PAYROLL, Cafe, "
                                      "Excel na SAP. The candidate must manage the team; ni lazima.")
    assert {"ACCOUNTANTS", "Budget", "PAYROLL", "Cafe", "Excel", "manage"} <= set(found["matched"])
    assert "SAP" in found["missing"]
    for stop in ("the", "na", "wa", "ni", "must", "wenye", "candidate", "team"):
        assert stop not in {w.lower() for w in found["matched"] + found["missing"]}
    assert found["coverage"] == round(100 * len(found["matched"]) / (len(found["matched"]) + len(found["missing"])))


# ---------------------------------------------------------------- the routes and the worker
def analysis_records() -> list[dict]:
    """What waits on the analysis queue, as SQS records (deleted from the queue)."""
    import boto3

    sqs = boto3.client("sqs", region_name=REGION)
    url = os.environ["ANALYSIS_QUEUE_URL"]
    records = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in batch:
            records.append({"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                            "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                            "eventSource": "aws:sqs", "awsRegion": REGION,
                            "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:test-AnalysisQueue"})
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return records


def run_worker(attempt: int = 1) -> dict:
    records = analysis_records()
    for record in records:
        record["attributes"]["ApproximateReceiveCount"] = str(attempt)
    return invoke("AnalysisFunction", {"Records": records})


def cv_with(api, token, content, headers=None) -> str:
    cv = new_cv(api, token, headers=headers)
    reply = api.put(f"/api/cvs/{cv['id']}", json={"content": content}, token=token, headers=headers)
    assert reply.status == 200, reply.body
    return cv["id"]


def test_the_owner_asks_reads_and_lists_checks_and_nobody_else_can(api, ddb_calls):
    token = english_user(api)
    cv_id = cv_with(api, token, resume("stackoverflow-theme-sample"))
    with ddb_calls() as calls:
        started = api.post(f"/api/cvs/{cv_id}/analysis", json={
            "job_description": "Senior Full Stack Developer: React, Node.js, PostgreSQL, Haskell, Swahili."},
            token=token)
    assert started.status == 202, started.body
    assert started.data["analysis"]["status"] == "pending"
    # + the caller's BatchGetItem (user and session) on every signed-in request
    assert calls == {"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}
    analysis_id = started.data["analysis"]["id"]

    pending = api.get(f"/api/cvs/{cv_id}/analysis/{analysis_id}", token=token)
    assert pending.status == 200 and pending.data["analysis"]["status"] == "pending"
    records = analysis_records()
    with ddb_calls() as calls:
        assert invoke("AnalysisFunction", {"Records": records}) == {"batchItemFailures": []}
    assert calls == {"GetItem": 3, "UpdateItem": 1}  # the check, the CV, the settings; the outcome

    with ddb_calls() as calls:
        done = api.get(f"/api/cvs/{cv_id}/analysis/{analysis_id}", token=token)
    assert calls == {"BatchGetItem": 2}
    analysis = done.data["analysis"]
    assert analysis["status"] == "done" and analysis["score"] >= 80 and analysis["content_version"] == 2
    assert set(analysis["sections"]) == {"structure", "contact", "summary", "action_verbs", "quantified", "dates",
                                         "length", "consistency"}
    assert {"React", "PostgreSQL"} <= set(analysis["keywords"]["matched"])
    assert "Haskell" in analysis["keywords"]["missing"] and "Swahili" in analysis["keywords"]["missing"]
    assert all(f["source"] == "rules" for f in analysis["findings"]) and analysis["model"] is None

    # Newest first, one page at a time, at a constant cost.
    second = api.post(f"/api/cvs/{cv_id}/analysis", token=token)  # no body: no job description
    assert second.status == 202, second.body
    with ddb_calls() as calls:
        listed = api.get(f"/api/cvs/{cv_id}/analysis", query="limit=1", token=token)
    assert calls == {"BatchGetItem": 1, "GetItem": 1, "Query": 1}
    assert [a["id"] for a in listed.data] == [second.data["analysis"]["id"]]
    rest = api.get(f"/api/cvs/{cv_id}/analysis", query=f"limit=1&cursor={listed.body['meta']['next_cursor']}", token=token)
    assert [a["id"] for a in rest.data] == [analysis_id]

    # Another user, a visitor, an unknown id: 404 like every owner route, nothing learnt.
    other = register(api, "juma@example.com", phone="0754000111")["access_token"]
    for path in (f"/api/cvs/{cv_id}/analysis/{analysis_id}", f"/api/cvs/{cv_id}/analysis"):
        assert api.get(path, token=other).status == 404
        assert api.get(path, headers={"x-anonymous-id": str(uuid.uuid4())}).status == 404
    assert api.post(f"/api/cvs/{cv_id}/analysis", token=other).status == 404
    assert api.get(f"/api/cvs/{cv_id}/analysis/20261202T000000000Z-00000000", token=token).status == 404
    assert api.get(f"/api/cvs/{cv_id}/analysis/not-an-id", token=token).status == 404


def test_an_anonymous_cv_is_checked_in_swahili_and_bad_input_changes_nothing(api):
    visitor = {"x-anonymous-id": str(uuid.uuid4())}
    cv_id = cv_with(api, None, resume("weak-responsible-for"), headers=visitor)
    too_long = api.post(f"/api/cvs/{cv_id}/analysis", json={"job_description": "x" * 20_001}, headers=visitor)
    assert too_long.status == 422 and too_long.error["code"] == "VALIDATION_FAILED"
    unknown = api.post(f"/api/cvs/{cv_id}/analysis", json={"job": "x"}, headers=visitor)
    assert unknown.status == 422
    assert analysis_records() == []
    started = api.post(f"/api/cvs/{cv_id}/analysis", json={"job_description": "x" * 20_000}, headers=visitor)
    assert started.status == 202, started.body
    run_worker()
    analysis = api.get(f"/api/cvs/{cv_id}/analysis/{started.data['analysis']['id']}", headers=visitor).data["analysis"]
    assert analysis["score"] <= 40
    assert "kitenzi" in next(f["message"] for f in analysis["findings"] if f["rule"] == "verbs.weak_phrase")


def test_checks_per_cv_are_limited_per_hour(api, monkeypatch):
    from chapchap import clock

    freeze(monkeypatch, clock.now())  # one hourly window for the whole test
    token = register(api, "amina@example.com")["access_token"]
    cv_id = new_cv(api, token)["id"]
    from chapchap.analysis.jobs import PER_HOUR

    for _ in range(PER_HOUR):
        assert api.post(f"/api/cvs/{cv_id}/analysis", token=token).status == 202
    refused = api.post(f"/api/cvs/{cv_id}/analysis", token=token)
    headers = {k.lower(): v for k, v in refused.headers.items()}
    assert refused.status == 429 and refused.error["code"] == "TOO_MANY_REQUESTS" and int(headers["retry-after"]) >= 1
    assert len(analysis_records()) == PER_HOUR


def test_a_deleted_cv_fails_its_pending_check_and_the_last_attempt_marks_it_failed(api):
    token = register(api, "amina@example.com")["access_token"]
    cv_id = new_cv(api, token)["id"]
    first = api.post(f"/api/cvs/{cv_id}/analysis", token=token).data["analysis"]["id"]
    records = analysis_records()

    from chapchap.analysis import rules

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    score, rules.score = rules.score, broken
    try:
        for attempt in (1, 3):
            for record in records:
                record["attributes"]["ApproximateReceiveCount"] = str(attempt)
            result = invoke("AnalysisFunction", {"Records": records})
            assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [records[0]["messageId"]]
            status = api.get(f"/api/cvs/{cv_id}/analysis/{first}", token=token).data["analysis"]["status"]
            assert status == ("pending" if attempt == 1 else "failed")
    finally:
        rules.score = score

    second = api.post(f"/api/cvs/{cv_id}/analysis", token=token).data["analysis"]["id"]
    assert api.delete(f"/api/cvs/{cv_id}", token=token).status in (200, 204)
    assert run_worker() == {"batchItemFailures": []}
    from chapchap.data import analyses

    assert analyses.get(cv_id, second, consistent=True)["status"] == "failed"


# ---------------------------------------------------------------- with a language model
@pytest.fixture
def model(api, monkeypatch):
    """The fake model API on loopback, configured by an admin as in production."""
    from local.ai_sim import start

    sim = start(api_key="sk-test-model-key-0123456789", slow_seconds=2)
    monkeypatch.setenv("AI_TIMEOUT_SECONDS", "0.5")
    admin = admin_token(api)
    reply = api.put("/api/admin/settings", token=admin, json={
        "ai_provider": "openai", "openai_api_key": "sk-test-model-key-0123456789", "ai_base_url": sim.url,
        "ai_model": "gpt-test"})
    assert reply.status == 200, reply.body
    assert reply.data["ai_base_url"] == sim.url and "0123456789" not in reply.body
    try:
        yield sim
    finally:
        sim.stop()


def test_the_models_findings_are_added_marked_and_checked(api, model, caplog):
    token = english_user(api)
    cv_id = cv_with(api, token, resume("macchiato-theme-sample"))
    started = api.post(f"/api/cvs/{cv_id}/analysis", json={"job_description": "Compression engineer"}, token=token)
    assert run_worker() == {"batchItemFailures": []}
    reply = api.get(f"/api/cvs/{cv_id}/analysis/{started.data['analysis']['id']}", token=token)
    analysis = reply.data["analysis"]
    from_model = [f for f in analysis["findings"] if f["source"] == "model"]
    assert {(f["rule"], f["path"], f["severity"]) for f in from_model} == {
        ("model.impact-first", "/work/0/highlights/0", "warning"), ("model.summary-focus", "/basics/summary", "info")}
    assert analysis["model"] == {"provider": "openai", "used": True} and analysis["notes"] == []
    sent = model.requests[-1]
    assert sent["path"] == "/v1/chat/completions" and sent["authorization_ok"]
    asked = sent["body"]["messages"][-1]["content"]
    assert sent["body"]["model"] == "gpt-test" and "Compression engineer" in asked
    # The person's contact details stay here; what the CV says goes.
    basics = resume("macchiato-theme-sample")["basics"]
    assert basics["email"] not in asked and basics["phone"] not in asked and basics["location"]["address"] not in asked
    assert basics["summary"][:40] in asked
    assert "0123456789" not in reply.body and "0123456789" not in caplog.text


@pytest.mark.parametrize("mode", ["down", "slow", "garbage", "bad_paths", "redirect"])
def test_a_failing_model_leaves_a_complete_analysis(api, model, mode, caplog):
    token = english_user(api)
    cv_id = cv_with(api, token, resume("stackoverflow-theme-sample"))
    model.set_mode(mode)
    started = api.post(f"/api/cvs/{cv_id}/analysis", token=token)
    assert run_worker() == {"batchItemFailures": []}
    analysis = api.get(f"/api/cvs/{cv_id}/analysis/{started.data['analysis']['id']}", token=token).data["analysis"]
    assert analysis["status"] == "done" and analysis["score"] >= 80
    assert all(f["source"] == "rules" for f in analysis["findings"])
    if mode == "bad_paths":  # an answer, every finding dropped: used, nothing added
        assert analysis["model"] == {"provider": "openai", "used": True} and analysis["notes"] == []
    else:
        assert analysis["model"] == {"provider": "openai", "used": False}
        assert len(analysis["notes"]) == 1 and "language model" in analysis["notes"][0]
    assert [r["path"] for r in model.requests] == ["/v1/chat/completions"]  # a redirect is not followed
    assert "0123456789" not in caplog.text


def test_without_a_key_the_model_is_not_asked(api):
    from local.ai_sim import start

    sim = start(api_key="sk-unused")
    try:
        admin = admin_token(api)
        api.put("/api/admin/settings", token=admin, json={"ai_provider": "anthropic", "ai_base_url": sim.url})
        token = register(api, "amina@example.com")["access_token"]
        cv_id = new_cv(api, token)["id"]
        started = api.post(f"/api/cvs/{cv_id}/analysis", token=token)
        run_worker()
        analysis = api.get(f"/api/cvs/{cv_id}/analysis/{started.data['analysis']['id']}", token=token).data["analysis"]
        assert analysis["status"] == "done" and analysis["model"] is None and sim.requests == []
    finally:
        sim.stop()


def test_unreadable_model_settings_leave_a_complete_analysis_with_a_note(api):
    from chapchap.admin import settings as settings_store

    token = register(api, "amina@example.com")["access_token"]
    cv_id = new_cv(api, token)["id"]
    started = api.post(f"/api/cvs/{cv_id}/analysis", token=token)
    real = settings_store.ai_config

    def unreadable():
        raise TimeoutError("SSM did not answer")

    settings_store.ai_config = unreadable
    try:
        assert run_worker() == {"batchItemFailures": []}
    finally:
        settings_store.ai_config = real
    analysis = api.get(f"/api/cvs/{cv_id}/analysis/{started.data['analysis']['id']}", token=token).data["analysis"]
    assert analysis["status"] == "done" and analysis["model"] is None
    assert analysis["notes"] == ["The language model was not used: its settings could not be read."]


def test_the_settings_refuse_a_plain_http_model_address_beyond_this_machine(api):
    admin = admin_token(api)
    for bad in ("http://example.com/v1", "ftp://127.0.0.1", "https://", "javascript:alert(1)"):
        reply = api.put("/api/admin/settings", token=admin, json={"ai_base_url": bad})
        assert reply.status == 422, (bad, reply.body)
