"""DELETE /api/admin/templates/{id}: 204, or 409 TEMPLATE_IN_USE while CVs use it (admin)."""
from chapchap.admin import templates as admin_templates
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, no_content

app = api(validation=False, auth="admin")  # no body model on this route


@app.delete("/api/admin/templates/<template_id>",
            responses=doc(errors={
             409: ["TEMPLATE_IN_USE: CVs use it (`details` says how many): deactivate it instead",
                   "CONCURRENT_UPDATE: it changed while deleting; reload and retry"],
         }))
def delete_template(template_id: str):
    admin = current_user(app)
    admin_templates.delete(admin, template_id)
    return no_content()


handler = entry(app)
