"""GET /api/admin/templates/stats: usage and revenue per template, with shares of the total (admin)."""
from chapchap.admin import templates as admin_templates
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok

app = api(validation=False, auth="admin")  # no body model on this route


@app.get("/api/admin/templates/stats",
         responses=doc("TemplateUsage"))
def template_stats():
    return ok(admin_templates.usage())


handler = entry(app)
