"""GET /api/cvs/{id}/analysis/{analysis_id}: one check of the caller's CV, pending or done."""
from chapchap.analysis import jobs
from chapchap.http import api, entry, ok
from chapchap.http.apidoc import doc
from chapchap.http.caller import owner_of

app = api(validation=False, auth="optional")  # no body model on this route


@app.get("/api/cvs/<cv_id>/analysis/<analysis_id>", responses=doc("AnalysisData"))
def get_analysis(cv_id: str, analysis_id: str):
    owner, _ = owner_of(app)
    return ok({"analysis": jobs.read(owner, cv_id, analysis_id)})


handler = entry(app)
