"""PATCH /api/user/me: change full_name or phone_number."""
from chapchap.auth import accounts
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, ok
from chapchap.models.auth import UpdateMeIn

app = api(auth="user")


@app.patch("/api/user/me", responses=doc("UserData", errors={
    409: "CONCURRENT_UPDATE: the name or number changed meanwhile (another session); reload"}))
def update_me(body: UpdateMeIn):
    user = current_user(app)
    return ok({"user": accounts.update_profile(user, body)})


handler = entry(app)
