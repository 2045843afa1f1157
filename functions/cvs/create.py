"""POST /api/cvs: create a CV, anonymously (X-Anonymous-Id, made here if absent) or signed in."""
from chapchap.cvs import editing as cvs
from chapchap.http.apidoc import doc
from chapchap.http.caller import owner_of
from chapchap.http import api, created, entry
from chapchap.models.cv import CvCreateIn

app = api(auth="optional")


@app.post("/api/cvs", responses=doc("CvCreated", errors={
    413: "CONTENT_TOO_LARGE: content is over 100 KB",
    422: "VALIDATION_FAILED: also content that is not JSON Resume, or an inactive template_id"}))
def create_cv(body: CvCreateIn):
    owner, new_anonymous_id = owner_of(app, may_create=True)
    data = {"cv": cvs.create(owner, body)}
    if owner.kind == "anon":
        data["anonymous_id"] = owner.id
    headers = {"X-Anonymous-Id": new_anonymous_id} if new_anonymous_id else None
    return created(data, headers=headers)


handler = entry(app)
