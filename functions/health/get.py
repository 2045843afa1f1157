"""GET /api/health: the API is up and the table answers."""
from chapchap import health
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok

app = api(validation=False)  # no body model on this route


@app.get("/api/health", responses=doc("Health", errors={503: "UNAVAILABLE: the table does not answer"}))
def get_health():
    return ok(health.check())


handler = entry(app)
