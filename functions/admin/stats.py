"""GET /api/admin/stats: totals and today's numbers from the live counters (admin)."""
from chapchap.admin import stats as admin_stats
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok

app = api(validation=False, auth="admin")  # no body model on this route


@app.get("/api/admin/stats",
         responses=doc("AdminStats"))
def stats():
    return ok(admin_stats.stats())


handler = entry(app)
