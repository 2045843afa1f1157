"""GET /api/admin/reports/payments: a CSV or PDF reconciliation report, as a short-lived link (admin)."""
from chapchap.admin import reports
from chapchap.http.apidoc import doc
from chapchap.http.queries import date_param, enum_param
from chapchap.http import api, entry, ok

app = api(validation=False, auth="admin")  # no body model on this route

QUERY = [
    date_param("from", "first day of creation; default: `to` minus 29 days"),
    date_param("to", f"last day of creation, at most {reports.MAX_DAYS} days with `from` and "
                     f"{reports.MAX_PAYMENTS} payments; default: today"),
    enum_param("format", reports.FORMATS, "the file's format", "csv"),
]


@app.get("/api/admin/reports/payments",
         responses=doc("PaymentsReport", query=QUERY))
def payments_report():
    return ok(reports.payments_report(app.current_event.query_string_parameters or {}))


handler = entry(app)
