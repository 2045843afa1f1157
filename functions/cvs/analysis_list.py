"""GET /api/cvs/{id}/analysis: the checks of the caller's CV, newest first, one page at a time."""
from chapchap.analysis import jobs
from chapchap.http import api, entry, page, page_params
from chapchap.http.apidoc import doc
from chapchap.http.caller import owner_of

app = api(validation=False, auth="optional")  # no body model on this route


@app.get("/api/cvs/<cv_id>/analysis", responses=doc("Analysis"))
def list_analyses(cv_id: str):
    owner, _ = owner_of(app)
    limit, cursor = page_params(app)
    items, next_cursor = jobs.list_for(owner, cv_id, limit=limit, page=cursor)
    return page(items, limit=limit, next_cursor=next_cursor)


handler = entry(app)
