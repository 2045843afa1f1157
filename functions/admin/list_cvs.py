"""GET /api/admin/cvs: every CV by date range, template, paid state; sort created_at or template."""
from chapchap.admin import cvs as admin_cvs
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, page

app = api(validation=False, auth="admin")  # no body model on this route


@app.get("/api/admin/cvs",
         responses=doc("AdminCv", query=admin_cvs.QUERY))
def list_cvs():
    items, limit, next_cursor = admin_cvs.list_cvs(app.current_event.query_string_parameters)
    return page(items, limit=limit, next_cursor=next_cursor)


handler = entry(app)
