"""DELETE /api/admin/templates/{id}: 204, or 409 TEMPLATE_IN_USE while CVs use it (admin)."""
from chapchap import admin_templates
from chapchap.auth.guard import require_admin
from chapchap.http import api, entry, no_content

app = api(validation=False)  # no body model on this route


@app.delete("/api/admin/templates/<template_id>")
def delete_template(template_id: str):
    admin = require_admin(app.current_event.headers)
    admin_templates.delete(admin, template_id)
    return no_content()


handler = entry(app)
