"""POST /api/admin/templates: a new template (layout, theme, price), audited (admin)."""
from chapchap import admin_templates
from chapchap.http import api, created, current_user, entry
from chapchap.models.admin_money import TemplateCreateIn

app = api(auth="admin")


@app.post("/api/admin/templates")
def create_template(body: TemplateCreateIn):
    admin = current_user(app)
    return created({"template": admin_templates.create(admin, body)})


handler = entry(app)
