"""POST /api/cvs/{id}/restore: bring back a CV you deleted, within 30 days of the delete.

The CV returns to your list where it was, as it was when deleted (paid state, content,
template). After 30 days, or for a CV deleted by an administrator, the answer is 404."""
from chapchap.cvs import restore as cv_restore
from chapchap.http.apidoc import doc
from chapchap.http.caller import owner_of
from chapchap.http import api, entry, ok

app = api(validation=False, auth="optional")  # no body model on this route


@app.post("/api/cvs/<cv_id>/restore", responses=doc("CvData", errors={
    409: ["CV_NOT_DELETED: the CV is not deleted",
          "TEMPLATE_DELETED: its template was deleted since",
          "CONCURRENT_UPDATE: restored or purged meanwhile; reload"]}))
def restore_cv(cv_id: str):
    owner, _ = owner_of(app)
    return ok({"cv": cv_restore.restore(owner, cv_id)})


handler = entry(app)
