"""GET /api/payments/download/{cv_id}: 200 with a link, 202 while rendering, 402 unpaid."""
from dataclasses import asdict

from chapchap.payments import downloads
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, ok

app = api(validation=False, auth="user")  # no body model on this route


@app.get("/api/payments/download/<cv_id>", responses=doc({200: "Download", 202: "Rendering"}, errors={
    402: "PAYMENT_REQUIRED: pay for the CV first"}))
def download(cv_id: str):
    user = current_user(app)
    result = downloads.download(user, cv_id)
    return ok(asdict(result), status=200 if isinstance(result, downloads.Ready) else 202)


handler = entry(app)
