"""GET /api/payments/{id}/receipt: a short-lived link to the receipt PDF (made once, kept)."""
from chapchap.payments import receipts
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, ok

app = api(validation=False, auth="user")  # no body model on this route


@app.get("/api/payments/<payment_id>/receipt", responses=doc("Link", errors={
    409: "PAYMENT_NOT_COMPLETED: a receipt exists once the payment is completed"}))
def receipt(payment_id: str):
    user = current_user(app)
    return ok(receipts.receipt(user, payment_id))


handler = entry(app)
