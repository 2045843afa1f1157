"""GET /api/admin/templates: every template with cvs_count, paid_count and revenue (admin)."""
from chapchap.admin import templates as admin_templates
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, page, page_params

app = api(validation=False, auth="admin")  # no body model on this route


@app.get("/api/admin/templates",
         responses=doc("AdminTemplate"))
def list_templates():
    limit, cursor = page_params(app, default=100)
    items, next_cursor = admin_templates.list_all(limit=limit, page=cursor)
    return page(items, limit=limit, next_cursor=next_cursor)


handler = entry(app)
