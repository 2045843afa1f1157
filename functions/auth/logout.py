"""POST /api/auth/logout: end this session (and the one of the given refresh token)."""
from chapchap.auth import accounts
from chapchap.http import api, current_user, entry, no_content
from chapchap.models.auth import LogoutIn

app = api(auth="user")


@app.post("/api/auth/logout")
def logout(body: LogoutIn | None = None):
    user = current_user(app)
    accounts.logout(user, body.refresh_token if body else None)
    return no_content()


handler = entry(app)
