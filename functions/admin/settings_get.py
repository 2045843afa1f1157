"""GET /api/admin/settings: prices, currency, time zone, gateway and AI settings; secrets masked (admin)."""
from chapchap import settings_store
from chapchap.auth.guard import require_admin
from chapchap.http import api, entry, ok

app = api(validation=False)  # no body model on this route


@app.get("/api/admin/settings")
def get_settings():
    require_admin(app.current_event.headers)
    return ok(settings_store.read())


handler = entry(app)
