"""GET /api/admin/cvs: every CV by date range, template, paid state; sort created_at or template."""
from chapchap.admin import cvs as admin_cvs
from chapchap.http.apidoc import doc, param
from chapchap.http.queries import flag_param, list_parameters
from chapchap.http import api, entry, page

app = api(validation=False, auth="admin")  # no body model on this route

QUERY = list_parameters(
    sorts=admin_cvs.SORTS, filters=[param("template_id", {"type": "string", "pattern": f"^{admin_cvs.TEMPLATE_ID}$"},
                                "only CVs of this template"),
                          flag_param("is_paid", "only paid (`true`) or unpaid (`false`) CVs")])


@app.get("/api/admin/cvs",
         responses=doc("AdminCv", query=QUERY))
def list_cvs():
    items, limit, next_cursor = admin_cvs.list_cvs(app.current_event.query_string_parameters)
    return page(items, limit=limit, next_cursor=next_cursor)


handler = entry(app)
