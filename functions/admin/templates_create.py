"""POST /api/admin/templates: a new template (layout, theme, price), audited (admin)."""
from chapchap.admin import templates as admin_templates
from chapchap.http.apidoc import doc
from chapchap.http import api, created, current_user, entry
from chapchap.models.admin_money import TemplateCreateIn

app = api(auth="admin")


@app.post("/api/admin/templates",
          responses=doc("AdminTemplateData", errors={
             409: ["TEMPLATE_EXISTS: a template has this id",
                   "TOO_MANY_TEMPLATES: there are 100 templates already"],
         }))
def create_template(body: TemplateCreateIn):
    admin = current_user(app)
    return created({"template": admin_templates.create(admin, body)})


handler = entry(app)
