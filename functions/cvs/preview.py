"""GET /api/cvs/{id}/preview: the caller's CV as watermarked PNG pages (paid or not)."""
from chapchap.cvs import previews
from chapchap.http.apidoc import doc
from chapchap.http.caller import owner_of
from chapchap.http import api, entry, ok

app = api(validation=False, auth="optional")  # no body model on this route


@app.get("/api/cvs/<cv_id>/preview", responses=doc("CvPreview"))
def get_cv_preview(cv_id: str):
    owner, _ = owner_of(app)
    return ok(previews.preview(owner, cv_id))


handler = entry(app)
