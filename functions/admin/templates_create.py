"""POST /api/admin/templates: a new template (layout, theme, price), audited (admin)."""
from chapchap import admin_templates
from chapchap.auth.guard import require_admin
from chapchap.http import api, created, entry
from chapchap.models.admin_money import TemplateCreateIn

app = api()


@app.post("/api/admin/templates")
def create_template(body: TemplateCreateIn):
    admin = require_admin(app.current_event.headers)
    return created({"template": admin_templates.create(admin, body)})


handler = entry(app)
