"""POST /api/auth/password/forgot: a reset link by email or a code by SMS (same answer for any account)."""
from chapchap.auth import password_reset
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok, source_ip
from chapchap.models.auth import ForgotByEmail, ForgotPasswordIn

app = api()


@app.post("/api/auth/password/forgot", responses=doc({202: "ResetRequested"}, errors={
    429: "TOO_MANY_REQUESTS: too many requests for this email, number or address; see Retry-After"}))
def forgot(body: ForgotPasswordIn):
    if isinstance(body, ForgotByEmail):
        password_reset.request(email=body.email, source_ip=source_ip(app))
    else:
        password_reset.request(phone=body.phone_number, source_ip=source_ip(app))
    return ok({"sent": True}, status=202)


handler = entry(app)
