"""DELETE /api/admin/cvs/{id}: soft delete (audited)."""
from chapchap.admin import cvs as admin_cvs
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, no_content

app = api(validation=False, auth="admin")  # no body model on this route


@app.delete("/api/admin/cvs/<cv_id>",
            responses=doc(errors={409: "CV_DELETED: the CV is deleted already"}))
def delete_cv(cv_id: str):
    admin = current_user(app)
    admin_cvs.delete(admin, cv_id)
    return no_content()


handler = entry(app)
