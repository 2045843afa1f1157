"""PUT /api/admin/cvs/{id}: change title, template_id, content, is_paid (with a reason) (audited).

Unlike the owner, an admin may put another person's name on a paid CV (with a reason)."""
from chapchap.admin import cvs as admin_cvs
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, ok
from chapchap.models.admin import AdminCvUpdateIn

app = api(auth="admin")


@app.put("/api/admin/cvs/<cv_id>",
         responses=doc("AdminCvData", errors={
             409: ["CV_DELETED: the CV is deleted",
                   "CONCURRENT_UPDATE: the CV changed while saving; reload and retry"],
             413: "CONTENT_TOO_LARGE: content is over 100 KB",
             422: ["VALIDATION_FAILED: `details` names each field (a null, a missing reason, an unknown template, "
                   "content that is not JSON Resume)",
                   "ONE_CHANGE_AT_A_TIME: template and paid state changed in one request"],
         }))
def update_cv(cv_id: str, body: AdminCvUpdateIn):
    admin = current_user(app)
    return ok({"cv": admin_cvs.update(admin, cv_id, body)})


handler = entry(app)
