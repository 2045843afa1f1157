"""PUT /api/admin/settings: change settings; secrets go to Parameter Store and come back masked (admin)."""
from chapchap import settings_store
from chapchap.http import api, current_user, entry, ok
from chapchap.models.admin_money import SettingsUpdateIn

app = api(auth="admin")


@app.put("/api/admin/settings")
def update_settings(body: SettingsUpdateIn):
    admin = current_user(app)
    return ok(settings_store.update(admin, body.model_dump(exclude_unset=True)))


handler = entry(app)
