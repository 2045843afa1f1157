"""POST /api/auth/logout: end this session (and the one of the given refresh token)."""
from chapchap import accounts
from chapchap.auth.guard import authenticate
from chapchap.http import api, entry, no_content
from chapchap.models.auth import LogoutIn

app = api()


@app.post("/api/auth/logout")
def logout(body: LogoutIn | None = None):
    user = authenticate(app.current_event.headers)
    accounts.logout(user, body.refresh_token if body else None)
    return no_content()


handler = entry(app)
