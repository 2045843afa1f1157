"""PUT /api/admin/users/{id}: change full_name, phone_number, role, status (audited)."""
from chapchap.admin import users as admin_users
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, ok
from chapchap.models.admin import AdminUserUpdateIn

app = api(auth="admin")


@app.put("/api/admin/users/<user_id>",
         responses=doc("UserData", errors={
             409: ["OWN_ACCOUNT: you cannot demote or suspend your own account",
                   "CONCURRENT_UPDATE: the user changed while saving (a sign-in or another edit)",
                   "LAST_ADMIN: demoting or suspending the last active administrator"],
         }))
def update_user(user_id: str, body: AdminUserUpdateIn):
    admin = current_user(app)
    return ok({"user": admin_users.update(admin, user_id, body)})


handler = entry(app)
