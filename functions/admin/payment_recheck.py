"""POST /api/admin/payments/{reference}/recheck: ask Selcom about a payment now and apply the
answer as its webhook would (admin, audited)."""
from chapchap.admin import desk
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, ok

app = api(validation=False, auth="admin")  # no body model on this route


@app.post("/api/admin/payments/<reference>/recheck", responses=doc("AdminPaymentData", errors={
    409: "CONCURRENT_UPDATE: the CV changed while completing; try again",
    502: "GATEWAY_ERROR: Selcom could not be asked or answered with an error; nothing changed"}))
def recheck(reference: str):
    admin = current_user(app)
    return ok({"payment": desk.recheck(admin, reference)})


handler = entry(app)
