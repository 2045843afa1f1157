"""DELETE /api/admin/users/{id}: delete a user; their CVs stay, unowned; payments stay (audited)."""
from chapchap.admin import users as admin_users
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, no_content

app = api(validation=False, auth="admin")  # no body model on this route


@app.delete("/api/admin/users/<user_id>",
            responses=doc(errors={
             409: ["OWN_ACCOUNT: you cannot delete your own account",
                   "CONCURRENT_UPDATE: the user or their CVs changed while deleting",
                   "LAST_ADMIN: the user is the last active administrator"],
         }))
def delete_user(user_id: str):
    admin = current_user(app)
    admin_users.delete(admin, user_id)
    return no_content()


handler = entry(app)
