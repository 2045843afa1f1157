"""GET /api/admin/audit: who changed what, when; by date range, actor or entity."""
from chapchap import admin_audit
from chapchap.auth.guard import require_admin
from chapchap.http import api, entry, page

app = api(validation=False)  # no body model on this route


@app.get("/api/admin/audit")
def list_audit():
    require_admin(app.current_event.headers)
    items, limit, next_cursor = admin_audit.list_entries(app.current_event.query_string_parameters)
    return page(items, limit=limit, next_cursor=next_cursor)


handler = entry(app)
