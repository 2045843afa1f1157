"""POST /api/auth/register: create an account and sign in."""
from chapchap import accounts
from chapchap.http import api, created, entry
from chapchap.models.auth import RegisterIn

app = api()


@app.post("/api/auth/register")
def register(body: RegisterIn):
    return created(accounts.register(body))


handler = entry(app)
