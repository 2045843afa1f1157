"""GET /api/admin/users/{id}: one user."""
from chapchap import admin_users
from chapchap.auth.guard import require_admin
from chapchap.http import api, entry, ok

app = api(validation=False)  # no body model on this route


@app.get("/api/admin/users/<user_id>")
def get_user(user_id: str):
    require_admin(app.current_event.headers)
    return ok({"user": admin_users.read(user_id)})


handler = entry(app)
