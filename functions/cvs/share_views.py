"""GET /api/cvs/{id}/share/views: the views of the CV's live link, newest first, with the total."""
from chapchap.cvs import sharing
from chapchap.http.apidoc import doc
from chapchap.http.caller import owner_of
from chapchap.http import api, entry, page, page_params

app = api(validation=False, auth="optional")  # no body model on this route


@app.get("/api/cvs/<cv_id>/share/views", responses=doc("ShareView"))
def list_share_views(cv_id: str):
    owner, _ = owner_of(app)
    limit, cursor = page_params(app)
    items, next_cursor, total = sharing.views(owner, cv_id, limit=limit, page=cursor)
    return page(items, limit=limit, next_cursor=next_cursor, total=total)


handler = entry(app)
