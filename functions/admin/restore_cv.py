"""POST /api/admin/cvs/{id}/restore: bring back any deleted CV still stored (audited).

Paid CVs are kept for ever; unpaid ones until their purge, 30 days after the delete. The CV
goes back to the owner it was deleted from, or stays unowned when that account is gone."""
from chapchap.cvs import restore as cv_restore
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, ok

app = api(validation=False, auth="admin")  # no body model on this route


@app.post("/api/admin/cvs/<cv_id>/restore", responses=doc("AdminCvData", errors={
    409: ["CV_NOT_DELETED: the CV is not deleted",
          "TEMPLATE_DELETED: its template was deleted since",
          "CONCURRENT_UPDATE: restored or purged meanwhile; reload"]}))
def restore_cv(cv_id: str):
    admin = current_user(app)
    return ok({"cv": cv_restore.admin_restore(admin, cv_id)})


handler = entry(app)
