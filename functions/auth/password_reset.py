"""POST /api/auth/password/reset: a new password with the emailed token or the SMS code; ends every session."""
from chapchap.auth import password_reset
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, no_content, source_ip
from chapchap.models.auth import ResetByToken, ResetPasswordIn

app = api()


@app.post("/api/auth/password/reset", responses=doc(errors={
    400: "RESET_INVALID: the code or link is wrong, used, expired, or ended after 5 wrong codes",
    429: "TOO_MANY_REQUESTS: too many wrong codes from this address; see Retry-After"}))
def reset(body: ResetPasswordIn):
    if isinstance(body, ResetByToken):
        password_reset.reset(token=body.token, new_password=body.new_password, source_ip=source_ip(app))
    else:
        password_reset.reset(code=body.code, email=getattr(body, "email", None),
                             phone=getattr(body, "phone_number", None), new_password=body.new_password,
                             source_ip=source_ip(app))
    return no_content()


handler = entry(app)
