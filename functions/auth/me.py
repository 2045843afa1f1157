"""GET /api/auth/me: the signed-in user."""
from chapchap.http.apidoc import doc
from chapchap.data.users import public_user
from chapchap.http import api, current_user, entry, ok

app = api(validation=False, auth="user")  # no body model on this route


@app.get("/api/auth/me", responses=doc("UserData"))
def me():
    return ok({"user": public_user(current_user(app))})


handler = entry(app)
