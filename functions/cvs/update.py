"""PUT /api/cvs/{id}: change title, template or content; a paid CV is rendered again."""
from chapchap import cvs
from chapchap.apidoc import doc
from chapchap.http import api, current_user, entry, ok
from chapchap.models.cv import CvUpdateIn

app = api(auth="optional")


@app.put("/api/cvs/<cv_id>", responses=doc("CvData", errors={
    413: "CONTENT_TOO_LARGE: content is over 100 KB",
    422: "VALIDATION_FAILED: also content that is not JSON Resume, or an inactive template_id"}))
def update_cv(cv_id: str, body: CvUpdateIn):
    owner, _ = cvs.caller(current_user(app), app.current_event.headers)
    return ok({"cv": cvs.update(owner, cv_id, body)})


handler = entry(app)
