"""GET /api/admin/audit: who changed what, when; by date range, actor or entity."""
from chapchap.admin import audit as admin_audit
from chapchap.http.apidoc import doc, param
from chapchap.http.queries import list_parameters
from chapchap.http import api, entry, page

app = api(validation=False, auth="admin")  # no body model on this route

QUERY = list_parameters(
    dates_of="`at`",
    filters=[param("actor_id", {"type": "string", "pattern": f"^{admin_audit.ACTOR_ID}$"}, "only entries by this user id"),
             param("entity", {"type": "string", "pattern": f"^{admin_audit.ENTITY}$"},
                   "only entries about this kind of thing: user, cv, template, settings")])


@app.get("/api/admin/audit",
         responses=doc("AuditEntry", query=QUERY))
def list_audit():
    items, limit, next_cursor = admin_audit.list_entries(app.current_event.query_string_parameters)
    return page(items, limit=limit, next_cursor=next_cursor)


handler = entry(app)
