"""POST /api/auth/refresh: swap a refresh token for new tokens (rotation, reuse detection)."""
from chapchap import accounts
from chapchap.http import api, entry, ok
from chapchap.models.auth import RefreshIn

app = api()


@app.post("/api/auth/refresh")
def refresh(body: RefreshIn):
    return ok(accounts.refresh(body.refresh_token))


handler = entry(app)
