"""GET /api/admin/analytics: daily, weekly or monthly series from the rollup and today's counters (admin)."""
from chapchap.analytics import rollup as analytics
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok

app = api(validation=False, auth="admin")  # no body model on this route


@app.get("/api/admin/analytics",
         responses=doc(["AnalyticsRow"], meta="AnalyticsMeta", query=analytics.QUERY))
def series():
    rows, meta = analytics.series(app.current_event.query_string_parameters or {})
    return ok(rows, meta=meta)


handler = entry(app)
