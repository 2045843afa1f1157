"""DELETE /api/admin/cvs/{id}: soft delete (audited)."""
from chapchap import admin_cvs
from chapchap.auth.guard import require_admin
from chapchap.http import api, entry, no_content

app = api(validation=False)  # no body model on this route


@app.delete("/api/admin/cvs/<cv_id>")
def delete_cv(cv_id: str):
    admin = require_admin(app.current_event.headers)
    admin_cvs.delete(admin, cv_id)
    return no_content()


handler = entry(app)
