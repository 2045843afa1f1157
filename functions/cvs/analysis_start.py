"""POST /api/cvs/{id}/analysis: check one of the caller's CVs (queued; 202 with the pending analysis)."""
from chapchap.analysis import jobs
from chapchap.http import api, current_user, entry, ok
from chapchap.http.apidoc import doc
from chapchap.http.caller import owner_of
from chapchap.messages.texts import DEFAULT_LOCALE
from chapchap.models.analysis import AnalysisIn

app = api(auth="optional")


@app.post("/api/cvs/<cv_id>/analysis", responses=doc({202: "AnalysisStartedData"}, errors={
    429: "TOO_MANY_REQUESTS: this CV was checked 10 times in the hour; Retry-After says when to try again"}))
def start_analysis(cv_id: str, body: AnalysisIn | None = None):
    owner, _ = owner_of(app)
    locale = (current_user(app) or {}).get("locale") or DEFAULT_LOCALE
    analysis = jobs.start(owner, cv_id, job_description=body.job_description if body else None, locale=locale)
    return ok({"analysis": analysis}, status=202)


handler = entry(app)
