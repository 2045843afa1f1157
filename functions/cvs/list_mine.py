"""GET /api/cvs: the caller's CVs, newest first, one page at a time."""
from chapchap import cvs
from chapchap.apidoc import doc
from chapchap.http import api, current_user, entry, page, page_params

app = api(validation=False, auth="optional")  # no body model on this route


@app.get("/api/cvs", responses=doc("Cv"))
def list_cvs():
    owner, _ = cvs.caller(current_user(app), app.current_event.headers)
    limit, cursor = page_params(app)
    items, next_cursor = cvs.list_mine(owner, limit=limit, page=cursor)
    return page(items, limit=limit, next_cursor=next_cursor)


handler = entry(app)
