"""GET /api/admin/audit: who changed what, when; by date range, actor or entity."""
from chapchap.admin import audit as admin_audit
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, page

app = api(validation=False, auth="admin")  # no body model on this route


@app.get("/api/admin/audit",
         responses=doc("AuditEntry", query=admin_audit.QUERY))
def list_audit():
    items, limit, next_cursor = admin_audit.list_entries(app.current_event.query_string_parameters)
    return page(items, limit=limit, next_cursor=next_cursor)


handler = entry(app)
