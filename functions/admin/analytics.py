"""GET /api/admin/analytics: daily, weekly or monthly series from the rollup and today's counters (admin)."""
from chapchap.analytics import rollup as analytics
from chapchap.http.apidoc import doc
from chapchap.http.queries import date_param, enum_param
from chapchap.http import api, entry, ok

app = api(validation=False, auth="admin")  # no body model on this route

QUERY = [
    enum_param("period", analytics.PERIODS, "daily rows, ISO weeks (Monday first) or calendar months", "daily"),
    date_param("from", "first day, widened to its week or month; not after today; default: 30 days, 12 weeks "
                       "or 12 months back"),
    date_param("to", "last day, widened to its week or month and ending today at the latest; at most "
                     f"{analytics.MAX_SPAN_DAYS['daily']} days (daily), {analytics.MAX_PERIODS['weekly']} weeks "
                     f"(weekly), {analytics.MAX_PERIODS['monthly']} months (monthly); default: today"),
]


@app.get("/api/admin/analytics",
         responses=doc(["AnalyticsRow"], meta="AnalyticsMeta", query=QUERY))
def series():
    rows, meta = analytics.series(app.current_event.query_string_parameters or {})
    return ok(rows, meta=meta)


handler = entry(app)
