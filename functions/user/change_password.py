"""POST /api/user/me/password: change the password; every other session ends."""
from chapchap import accounts
from chapchap.http import api, current_user, entry, no_content
from chapchap.models.auth import ChangePasswordIn

app = api(auth="user")


@app.post("/api/user/me/password")
def change_password(body: ChangePasswordIn):
    user = current_user(app)
    accounts.change_password(user, body)
    return no_content()


handler = entry(app)
