"""GET /api/admin/payments: payments by date range and status, sorted by date or amount, or
found by one value `q` (admin)."""
from chapchap.admin import desk
from chapchap.admin import payments as admin_payments
from chapchap.http.apidoc import doc, param
from chapchap.http.queries import ORDER_PARAM, date_param, enum_param, flag_param
from chapchap.http import api, entry, ok, page_params

app = api(validation=False, auth="admin")  # no body model on this route

QUERY = [  # limit and cursor: every list's
    date_param("from", f"first day of creation; default: `to` minus {admin_payments.DEFAULT_DAYS - 1} days"),
    date_param("to", f"last day of creation, at most {admin_payments.MAX_DAYS} days with `from`; default: today"),
    enum_param("status", admin_payments.STATUSES, "only payments in this status"),
    enum_param("sort", admin_payments.SORTS,
               f"`amount` reads the whole range: at most {admin_payments.AMOUNT_SORT_MAX_DAYS} days and "
               f"{admin_payments.AMOUNT_SORT_MAX} payments, and `meta.total` counts the matches", "created_at"),
    ORDER_PARAM,
    flag_param("flagged", "`true`: an amount mismatch or a duplicate payment not resolved yet (needs a look; "
                          "read from the flagged index); `false`: neither"),
    param("q", {"type": "string", "maxLength": 200, "pattern": "\\S"},
          "find by one exact value: a reference, Selcom's transaction id or reference, the payer's phone "
          "(`+255 7xx ...`, `07xx...`, `2557...`) or email (any case); newest first; takes no other "
          "filter (400 `BAD_QUERY`), only `limit` and `cursor`"),
]


@app.get("/api/admin/payments",
         responses=doc(["AdminPayment"], meta="AdminPaymentsMeta", query=QUERY))
def list_payments():
    limit, cursor = page_params(app)
    query = app.current_event.query_string_parameters or {}
    found = desk.search if "q" in query else admin_payments.list_payments
    items, next_cursor, extra = found(query, limit=limit, page=cursor)
    return ok(items, meta={"limit": limit, "next_cursor": next_cursor, **extra})


handler = entry(app)
