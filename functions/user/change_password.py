"""POST /api/user/me/password: change the password; every other session ends."""
from chapchap.auth import accounts
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, no_content
from chapchap.models.auth import ChangePasswordIn

app = api(auth="user")


@app.post("/api/user/me/password", responses=doc(errors={
    409: "CONCURRENT_UPDATE: the sessions changed while saving; try again",
    422: "VALIDATION_FAILED: also when current_password is wrong, or (for an administrator) when "
         "new_password is shorter than 12 characters or easy to guess"}))
def change_password(body: ChangePasswordIn):
    user = current_user(app)
    accounts.change_password(user, body)
    return no_content()


handler = entry(app)
