"""PUT /api/admin/templates/{id}/status: {is_active} switches a template on or off, audited (admin)."""
from chapchap.admin import templates as admin_templates
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, ok
from chapchap.models.admin_money import TemplateStatusIn

app = api(auth="admin")


@app.put("/api/admin/templates/<template_id>/status",
         responses=doc("AdminTemplateData", errors={
             409: "CONCURRENT_UPDATE: it changed while saving; reload and retry",
         }))
def set_template_status(template_id: str, body: TemplateStatusIn):
    admin = current_user(app)
    return ok({"template": admin_templates.set_status(admin, template_id, body.is_active)})


handler = entry(app)
