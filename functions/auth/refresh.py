"""POST /api/auth/refresh: swap a refresh token for new tokens (rotation, reuse detection)."""
from chapchap.auth import accounts
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok
from chapchap.models.auth import RefreshIn

app = api()


@app.post("/api/auth/refresh", responses=doc("AuthSession", errors={
    401: ["INVALID_REFRESH_TOKEN: unknown, expired or revoked",
          "REFRESH_TOKEN_REUSED: already used: the chain is revoked"],
    403: "ACCOUNT_SUSPENDED: the account is suspended"}))
def refresh(body: RefreshIn):
    return ok(accounts.refresh(body.refresh_token))


handler = entry(app)
