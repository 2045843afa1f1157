"""PUT /api/admin/users/{id}: change full_name, phone_number, role, status (audited)."""
from chapchap import admin_body, admin_users
from chapchap.auth.guard import require_admin
from chapchap.http import api, entry, ok
from chapchap.models.admin import AdminUserUpdateIn

app = api(validation=False)  # the body is read after the admin check (chapchap.admin_body)


@app.put("/api/admin/users/<user_id>")
def update_user(user_id: str):
    admin = require_admin(app.current_event.headers)
    body = admin_body.read(app.current_event, AdminUserUpdateIn)
    return ok({"user": admin_users.update(admin, user_id, body)})


handler = entry(app)
