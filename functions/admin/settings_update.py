"""PUT /api/admin/settings: change settings; secrets go to Parameter Store and come back masked (admin)."""
from chapchap.admin import settings as settings_store
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, ok
from chapchap.models.admin_money import SettingsUpdateIn

app = api(auth="admin")


@app.put("/api/admin/settings",
         responses=doc("AdminSettings", errors={
             409: "CONCURRENT_UPDATE: the settings changed while saving; reload and retry",
             422: "READ_ONLY_SETTING: currency or business_time_zone given with another value",
             502: "SECRET_STORE_ERROR: Parameter Store refused a secret; nothing was saved after it",
         }))
def update_settings(body: SettingsUpdateIn):
    admin = current_user(app)
    return ok(settings_store.update(admin, body.model_dump(exclude_unset=True)))


handler = entry(app)
