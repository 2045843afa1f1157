"""GET /api/admin/settings: prices, currency, time zone, gateway and AI settings; secrets masked (admin)."""
from chapchap.admin import settings as settings_store
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok

app = api(validation=False, auth="admin")  # no body model on this route


@app.get("/api/admin/settings",
         responses=doc("AdminSettings"))
def get_settings():
    return ok(settings_store.read())


handler = entry(app)
