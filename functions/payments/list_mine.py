"""GET /api/payments: the caller's payments, newest first."""
from chapchap.payments import mine
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, page, page_params

app = api(validation=False, auth="user")  # no body model on this route


@app.get("/api/payments", responses=doc("Payment"))
def list_payments():
    user = current_user(app)
    limit, cursor = page_params(app)
    items, next_cursor = mine.list_mine(user, limit=limit, page=cursor)
    return page(items, limit=limit, next_cursor=next_cursor)


handler = entry(app)
