"""PUT /api/admin/settings: change settings; secrets go to Parameter Store and come back masked (admin)."""
from chapchap import settings_store
from chapchap.auth.guard import require_admin
from chapchap.http import api, entry, ok
from chapchap.models.admin_money import SettingsUpdateIn

app = api()


@app.put("/api/admin/settings")
def update_settings(body: SettingsUpdateIn):
    admin = require_admin(app.current_event.headers)
    return ok(settings_store.update(admin, body.model_dump(exclude_unset=True)))


handler = entry(app)
