"""GET /api/payments/verify/{reference}: the payment, re-checked with Selcom while pending."""
from chapchap.payments import mine
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, ok

app = api(validation=False, auth="user")  # no body model on this route


@app.get("/api/payments/verify/<reference>", responses=doc("PaymentData", errors={
    502: "GATEWAY_ERROR: Selcom could not be asked"}))
def verify(reference: str):
    user = current_user(app)
    return ok({"payment": mine.verify(user, reference)})


handler = entry(app)
