"""POST /api/auth/login: sign in with email and password (throttled on failures)."""
from chapchap import accounts
from chapchap.http import api, entry, ok, source_ip
from chapchap.models.auth import LoginIn

app = api()


@app.post("/api/auth/login")
def login(body: LoginIn):
    return ok(accounts.login(body, source_ip=source_ip(app)))


handler = entry(app)
