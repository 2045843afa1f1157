"""PATCH /api/user/me: change full_name or phone_number."""
from chapchap import accounts
from chapchap.apidoc import doc
from chapchap.auth.guard import authenticate
from chapchap.http import api, entry, ok
from chapchap.models.auth import UpdateMeIn

app = api()


@app.patch("/api/user/me", responses=doc("UserData"))
def update_me(body: UpdateMeIn):
    user = authenticate(app.current_event.headers)
    return ok({"user": accounts.update_profile(user, body)})


handler = entry(app)
