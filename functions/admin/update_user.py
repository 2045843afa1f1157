"""PUT /api/admin/users/{id}: change full_name, phone_number, role, status (audited)."""
from chapchap import admin_users
from chapchap.auth.guard import require_admin
from chapchap.http import api, entry, ok
from chapchap.models.admin import AdminUserUpdateIn

app = api()


@app.put("/api/admin/users/<user_id>")
def update_user(user_id: str, body: AdminUserUpdateIn):
    admin = require_admin(app.current_event.headers)
    return ok({"user": admin_users.update(admin, user_id, body)})


handler = entry(app)
