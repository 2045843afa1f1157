"""POST /api/auth/register: create an account and sign in."""
from chapchap.auth import accounts
from chapchap.http.apidoc import doc
from chapchap.http import api, created, entry
from chapchap.models.auth import RegisterIn

app = api()


@app.post("/api/auth/register",
          responses=doc("AuthSession", errors={409: "EMAIL_TAKEN: an account with this email exists"}))
def register(body: RegisterIn):
    return created(accounts.register(body))


handler = entry(app)
