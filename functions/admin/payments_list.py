"""GET /api/admin/payments: payments by date range and status, sorted by date or amount (admin)."""
from chapchap.admin import payments as admin_payments
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok, page_params

app = api(validation=False, auth="admin")  # no body model on this route


@app.get("/api/admin/payments",
         responses=doc(["AdminPayment"], meta="AdminPaymentsMeta", query=admin_payments.QUERY))
def list_payments():
    limit, cursor = page_params(app)
    query = app.current_event.query_string_parameters or {}
    items, next_cursor, extra = admin_payments.list_payments(query, limit=limit, page=cursor)
    return ok(items, meta={"limit": limit, "next_cursor": next_cursor, **extra})


handler = entry(app)
