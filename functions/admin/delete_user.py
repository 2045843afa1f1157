"""DELETE /api/admin/users/{id}: delete a user; their CVs stay, unowned; payments stay (audited)."""
from chapchap import admin_users
from chapchap.auth.guard import require_admin
from chapchap.http import api, entry, no_content

app = api(validation=False)  # no body model on this route


@app.delete("/api/admin/users/<user_id>")
def delete_user(user_id: str):
    admin = require_admin(app.current_event.headers)
    admin_users.delete(admin, user_id)
    return no_content()


handler = entry(app)
