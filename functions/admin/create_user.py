"""POST /api/admin/users: create a user or an admin account (audited)."""
from chapchap import admin_body, admin_users
from chapchap.auth.guard import require_admin
from chapchap.http import api, created, entry
from chapchap.models.admin import AdminUserCreateIn

app = api(validation=False)  # the body is read after the admin check (chapchap.admin_body)


@app.post("/api/admin/users")
def create_user():
    admin = require_admin(app.current_event.headers)
    body = admin_body.read(app.current_event, AdminUserCreateIn)
    return created({"user": admin_users.create(admin, body)})


handler = entry(app)
