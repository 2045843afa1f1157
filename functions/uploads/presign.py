"""POST /api/uploads/presigned-url: an S3 presigned POST for a CV photo (jpeg/png/webp, 2 MB)."""
from chapchap import cvs, uploads
from chapchap.http import api, entry, ok
from chapchap.models.cv import PresignIn

app = api()


@app.post("/api/uploads/presigned-url")
def presign(body: PresignIn):
    owner, _ = cvs.caller(app.current_event.headers)
    return ok(uploads.presign_photo(owner, body))


handler = entry(app)
