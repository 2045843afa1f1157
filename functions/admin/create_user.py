"""POST /api/admin/users: create a user or an admin account (audited)."""
from chapchap.admin import users as admin_users
from chapchap.http.apidoc import doc
from chapchap.http import api, created, current_user, entry
from chapchap.models.admin import AdminUserCreateIn

app = api(auth="admin")


@app.post("/api/admin/users",
          responses=doc("UserData", errors={
              409: "EMAIL_TAKEN: an account with this email exists",
              422: "VALIDATION_FAILED: also an administrator's password that is shorter than 12 characters "
                   "or easy to guess (field `password`)"}))
def create_user(body: AdminUserCreateIn):
    admin = current_user(app)
    return created({"user": admin_users.create(admin, body)})


handler = entry(app)
