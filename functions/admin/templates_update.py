"""PUT /api/admin/templates/{id}: change the given fields of a template, audited (admin)."""
from chapchap import admin_templates
from chapchap.auth.guard import require_admin
from chapchap.http import api, entry, ok
from chapchap.models.admin_money import TemplateUpdateIn

app = api()


@app.put("/api/admin/templates/<template_id>")
def update_template(template_id: str, body: TemplateUpdateIn):
    admin = require_admin(app.current_event.headers)
    return ok({"template": admin_templates.update(admin, template_id, body)})


handler = entry(app)
