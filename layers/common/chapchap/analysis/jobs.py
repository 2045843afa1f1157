"""The resume check as the owner sees it: ask (a pending analysis and a queue message), read
one, list a CV's; and the worker's side, which runs the check and writes the outcome.

Calls per request (asserted in tests):

    start   GetItem (the CV) + TransactWriteItems (the analysis, the CV's hourly counter) + SendMessage
    read    BatchGetItem (the CV and the analysis together)
    list    GetItem (the CV) + Query (one page of its analyses, newest first)
    worker  GetItem (the analysis) + GetItem (the CV) + GetItem (the settings: is a model
            configured?) + UpdateItem; with a model, one SSM read (cached 5 minutes) and its
            HTTP call

Paid or not, every owner may check their CV: the check is how a CV gets better before it is
paid for. What bounds the cost (the queue, the model's tokens) is `PER_HOUR` checks per CV.
"""
from __future__ import annotations

from typing import Any

from chapchap import clock, cursor
from chapchap.analysis import keywords, queue, rules
from chapchap.analysis import model as language_model
from chapchap.data import analyses, table, throttle
from chapchap.data import cvs as cv_data
from chapchap.data.cvs import Owner
from chapchap.errors import NotFound, Throttled
from chapchap.observability import logger, metrics

PER_HOUR = 10
MAX_ATTEMPTS = 3  # the AnalysisQueue's maxReceiveCount in template.yaml
MESSAGE_KIND = "analysis"


def _owned(owner: Owner, cv: dict[str, Any] | None) -> dict[str, Any]:
    if not cv or cv.get("deleted_at") or cv.get("gsi1pk") != owner.key:
        raise NotFound("No such CV.")
    return cv


# ---------------------------------------------------------------- the owner's routes
def start(owner: Owner, cv_id: str, *, job_description: str | None, locale: str) -> dict[str, Any]:
    """A pending analysis of the CV, queued: `{id, status: "pending"}`."""
    _owned(owner, cv_data.get(cv_id, consistent=True))
    item = analyses.new_analysis(cv_id, locale=locale, job_description=(job_description or "").strip() or None)
    try:
        table.transact([table.put_op(item, condition="attribute_not_exists(pk)"),
                        throttle.hit_op("ANALYSIS", cv_id, limit=PER_HOUR, window_seconds=3600)])
    except table.TransactionFailed as exc:
        if exc.failed_at(1):
            raise Throttled(f"This CV was checked {PER_HOUR} times in the last hour. Try again later.",
                            retry_after=throttle.seconds_left(3600)) from None
        raise
    queue.enqueue(cv_id, item["id"])
    metrics.add_metric(name="AnalysisRequested", unit="Count", value=1)
    return {"id": item["id"], "status": "pending"}


def public(item: dict[str, Any]) -> dict[str, Any]:
    """The `analysis` object of the API; the job description is the owner's own text."""
    shown = {"id": item["id"], "status": item["status"], "created_at": item["created_at"],
             "completed_at": item.get("completed_at"), "job_description": item.get("job_description")}
    if item["status"] == "done":
        found = item.get("keywords") or {}
        shown.update(score=item["score"], sections=item["sections"], findings=item["findings"],
                     keywords={"matched": found.get("matched") or [], "missing": found.get("missing") or [],
                               "coverage": found.get("coverage")}, pages=item["pages"], words=item["words"],
                     content_version=item["content_version"], model=item.get("model"), notes=item.get("notes") or [])
    elif item["status"] == "failed":
        shown["notes"] = item.get("notes") or []
    return shown


def read(owner: Owner, cv_id: str, analysis_id: str) -> dict[str, Any]:
    cv, item = analyses.get_with_cv(cv_id, analysis_id)
    _owned(owner, cv)
    if item is None:
        raise NotFound("No such analysis.")
    return public(item)


def list_for(owner: Owner, cv_id: str, *, limit: int, page: str | None) -> tuple[list[dict], str | None]:
    _owned(owner, cv_data.get(cv_id, consistent=True))
    scope = f"analyses:{cv_id}"
    items, last = analyses.list_for_cv(cv_id, limit=limit, start_key=cursor.decode(page, scope))
    return [public(item) for item in items], cursor.encode(last, scope)


# ---------------------------------------------------------------- the worker
def analyse(content: dict[str, Any], *, locale: str, job_description: str | None,
            ai: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole check of one content: rules, keywords, then the model's findings if `ai`
    is configured. Never raises for the model: its failure is a note."""
    outcome = rules.score(content, locale=locale, today=clock.business_date())
    outcome["keywords"] = (keywords.compare(content, job_description) if job_description
                           else {"matched": [], "missing": [], "coverage": None})
    outcome["notes"] = []
    outcome["model"] = None
    if ai:
        outcome["model"] = {"provider": ai["provider"], "used": False}
        try:
            found = language_model.ask(ai, content, locale=locale, job_description=job_description)
        except language_model.ModelFailed as exc:
            outcome["notes"].append(f"The language model was not used: {exc}.")
            logger.warning("language model failed; analysis completed without it", extra={"reason": str(exc)})
        else:
            outcome["findings"] += found
            outcome["model"]["used"] = True
    return outcome


def _model_config() -> tuple[dict[str, Any] | None, list[str]]:
    """The model's settings, or none with a note when they cannot be read (the check goes on
    without the model rather than failing for it)."""
    from chapchap.admin.settings import ai_config

    try:
        return ai_config(), []
    except Exception as exc:  # noqa: BLE001 - SSM or the table busy: the model is optional
        logger.warning("language model settings not readable", extra={"error": type(exc).__name__})
        return None, ["The language model was not used: its settings could not be read."]


def process(cv_id: str, analysis_id: str, *, attempt: int) -> str:
    """Run one queued analysis, once: a finished one is skipped, the last failed attempt
    marks it failed (and the message goes on to the dead-letter queue)."""
    item = analyses.get(cv_id, analysis_id, consistent=True)
    if item is None:
        return "skipped: no such analysis"
    if item["status"] != "pending":
        return "skipped: already done"
    cv = cv_data.get(cv_id, consistent=True)
    if cv is None or cv.get("deleted_at"):
        analyses.finish(cv_id, analysis_id, {"status": "failed", "notes": ["The CV was deleted."]})
        return "failed: no such CV"
    ai, notes = _model_config()
    try:
        outcome = analyse(cv_data.content_of(cv), locale=item.get("locale") or "sw",
                          job_description=item.get("job_description"), ai=ai)
        outcome["notes"] = notes + outcome["notes"]
    except Exception:
        if attempt >= MAX_ATTEMPTS:
            analyses.finish(cv_id, analysis_id, {"status": "failed", "notes": ["The check could not be run."]})
            logger.error("analysis failed for the last time", extra={"cv_id": cv_id, "analysis_id": analysis_id})
        raise
    outcome.update(status="done", content_version=cv["content_version"])
    if not analyses.finish(cv_id, analysis_id, outcome):
        return "skipped: finished meanwhile"
    metrics.add_metric(name="AnalysisDone", unit="Count", value=1)
    return "done"
