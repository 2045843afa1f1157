"""GET /api/templates: the active templates with their price (public)."""
from chapchap.templates import catalog
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok

app = api(validation=False)  # no body model on this route


@app.get("/api/templates", responses=doc(["Template"]))
def list_templates():
    return ok(catalog.public_templates())


handler = entry(app)
