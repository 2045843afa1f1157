"""PUT /api/admin/cvs/{id}: change title, template_id, is_paid (with a reason) (audited)."""
from chapchap import admin_body, admin_cvs
from chapchap.auth.guard import require_admin
from chapchap.http import api, entry, ok
from chapchap.models.admin import AdminCvUpdateIn

app = api(validation=False)  # the body is read after the admin check (chapchap.admin_body)


@app.put("/api/admin/cvs/<cv_id>")
def update_cv(cv_id: str):
    admin = require_admin(app.current_event.headers)
    body = admin_body.read(app.current_event, AdminCvUpdateIn)
    return ok({"cv": admin_cvs.update(admin, cv_id, body)})


handler = entry(app)
