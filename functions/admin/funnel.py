"""GET /api/admin/funnel: the conversion funnel of a date range, by payment method and mobile
network, from the rollup's records and today's live counters (admin)."""
from chapchap.analytics import funnel
from chapchap.http.apidoc import doc
from chapchap.http.queries import date_param
from chapchap.http import api, entry, ok

app = api(validation=False, auth="admin")  # no body model on this route

QUERY = [
    date_param("from", f"first business day; not after today; default: {funnel.DEFAULT_DAYS} days back"),
    date_param("to", f"last business day (today at the latest); at most {funnel.MAX_DAYS} days; default: today"),
]


@app.get("/api/admin/funnel", responses=doc("Funnel", meta="FunnelMeta", query=QUERY))
def show():
    data, meta = funnel.funnel(app.current_event.query_string_parameters or {})
    return ok(data, meta=meta)


handler = entry(app)
