"""GET /api/admin/users/{id}: one user."""
from chapchap.admin import users as admin_users
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok

app = api(validation=False, auth="admin")  # no body model on this route


@app.get("/api/admin/users/<user_id>",
         responses=doc("UserData"))
def get_user(user_id: str):
    return ok({"user": admin_users.read(user_id)})


handler = entry(app)
