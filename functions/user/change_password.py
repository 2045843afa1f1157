"""POST /api/user/me/password: change the password; every other session ends."""
from chapchap import accounts
from chapchap.apidoc import doc
from chapchap.auth.guard import authenticate
from chapchap.http import api, entry, no_content
from chapchap.models.auth import ChangePasswordIn

app = api()


@app.post("/api/user/me/password", responses=doc(errors={
    409: "CONCURRENT_UPDATE: the sessions changed while saving; try again",
    422: "VALIDATION_FAILED: also when current_password is wrong"}))
def change_password(body: ChangePasswordIn):
    user = authenticate(app.current_event.headers)
    accounts.change_password(user, body)
    return no_content()


handler = entry(app)
