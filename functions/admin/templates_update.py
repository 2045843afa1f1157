"""PUT /api/admin/templates/{id}: change the given fields of a template, audited (admin)."""
from chapchap.admin import templates as admin_templates
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, ok
from chapchap.models.admin_money import TemplateUpdateIn

app = api(auth="admin")


@app.put("/api/admin/templates/<template_id>",
         responses=doc("AdminTemplateData", errors={
             409: "CONCURRENT_UPDATE: it changed while saving; reload and retry",
         }))
def update_template(template_id: str, body: TemplateUpdateIn):
    admin = current_user(app)
    return ok({"template": admin_templates.update(admin, template_id, body)})


handler = entry(app)
