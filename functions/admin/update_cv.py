"""PUT /api/admin/cvs/{id}: change title, template_id, is_paid (with a reason) (audited)."""
from chapchap import admin_cvs
from chapchap.http import api, current_user, entry, ok
from chapchap.models.admin import AdminCvUpdateIn

app = api(auth="admin")


@app.put("/api/admin/cvs/<cv_id>")
def update_cv(cv_id: str, body: AdminCvUpdateIn):
    admin = current_user(app)
    return ok({"cv": admin_cvs.update(admin, cv_id, body)})


handler = entry(app)
