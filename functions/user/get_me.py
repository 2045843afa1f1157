"""GET /api/user/me: the signed-in user's profile."""
from chapchap.apidoc import doc
from chapchap.auth.guard import authenticate
from chapchap.data.users import public_user
from chapchap.http import api, entry, ok

app = api(validation=False)  # no body model on this route


@app.get("/api/user/me", responses=doc("UserData"))
def get_me():
    return ok({"user": public_user(authenticate(app.current_event.headers))})


handler = entry(app)
