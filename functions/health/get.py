"""GET /api/health: the API is up and the table answers."""
from chapchap import health
from chapchap.http import api, entry, ok

app = api()


@app.get("/api/health")
def get_health():
    return ok(health.check())


handler = entry(app)
