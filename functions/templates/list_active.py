"""GET /api/templates: the active templates with their price (public)."""
from chapchap import catalog
from chapchap.http import api, entry, ok

app = api()


@app.get("/api/templates")
def list_templates():
    return ok(catalog.public_templates())


handler = entry(app)
