"""POST /api/auth/login: sign in with email and password (throttled on failures)."""
from chapchap.auth import accounts
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok, source_ip
from chapchap.models.auth import LoginIn

app = api()


@app.post("/api/auth/login", responses=doc("AuthSession", errors={
    401: "INVALID_CREDENTIALS: unknown email or wrong password (the same answer)",
    403: "ACCOUNT_SUSPENDED: the account is suspended",
    429: "TOO_MANY_REQUESTS: too many failures for this email or address; see Retry-After"}))
def login(body: LoginIn):
    return ok(accounts.login(body, source_ip=source_ip(app)))


handler = entry(app)
