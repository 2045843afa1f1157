"""POST /api/admin/users: create a user or an admin account (audited)."""
from chapchap import admin_users
from chapchap.auth.guard import require_admin
from chapchap.http import api, created, entry
from chapchap.models.admin import AdminUserCreateIn

app = api()


@app.post("/api/admin/users")
def create_user(body: AdminUserCreateIn):
    admin = require_admin(app.current_event.headers)
    return created({"user": admin_users.create(admin, body)})


handler = entry(app)
