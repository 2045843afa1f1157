"""POST /api/uploads/presigned-url: an S3 presigned POST for a CV photo (jpeg/png/webp, 2 MB)."""
from chapchap.cvs import uploads
from chapchap.http.apidoc import doc
from chapchap.http.caller import owner_of
from chapchap.http import api, entry, ok
from chapchap.models.cv import PresignIn

app = api(auth="optional")


@app.post("/api/uploads/presigned-url", responses=doc("PresignedPost", errors={
    422: "VALIDATION_FAILED: also a size over 2 MB"}))
def presign(body: PresignIn):
    owner, _ = owner_of(app)
    return ok(uploads.presign_photo(owner, body))


handler = entry(app)
