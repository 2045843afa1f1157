"""GET /api/cvs: the caller's CVs, newest first, one page at a time.

With `deleted=true`: the CVs the caller deleted in the last 30 days, newest deleted first,
each with `deleted_at` and `restorable_until` (POST /api/cvs/{id}/restore brings one back)."""
from chapchap.cvs import restore as cv_restore
from chapchap.cvs import editing as cvs
from chapchap.http.apidoc import doc, param
from chapchap.data.cvs import RESTORE_DAYS
from chapchap.http.caller import owner_of
from chapchap.http import api, entry, page, page_params

app = api(validation=False, auth="optional")  # no body model on this route

DELETED = param("deleted", {"type": "string", "enum": ["true", "false"]},
                      f"`true`: the CVs you deleted in the last {RESTORE_DAYS} days instead, newest "
                      "deleted first, each with `deleted_at` and `restorable_until`")


@app.get("/api/cvs", responses=doc("Cv", query=[DELETED]))
def list_cvs():
    owner, _ = owner_of(app)
    limit, cursor = page_params(app)
    if cv_restore.wants_deleted(app.current_event.query_string_parameters):
        items, next_cursor = cv_restore.list_deleted(owner, limit=limit, page=cursor)
    else:
        items, next_cursor = cvs.list_mine(owner, limit=limit, page=cursor)
    return page(items, limit=limit, next_cursor=next_cursor)


handler = entry(app)
