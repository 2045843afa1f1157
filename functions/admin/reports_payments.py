"""GET /api/admin/reports/payments: a CSV or PDF reconciliation report, as a short-lived link (admin)."""
from chapchap.analytics import reports
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok

app = api(validation=False, auth="admin")  # no body model on this route


@app.get("/api/admin/reports/payments",
         responses=doc("PaymentsReport", query=reports.QUERY))
def payments_report():
    return ok(reports.payments_report(app.current_event.query_string_parameters or {}))


handler = entry(app)
