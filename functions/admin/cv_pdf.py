"""GET /api/admin/cvs/{id}/pdf: a five-minute link to the CV's PDF, 202 while it renders
(admin; audited; moves no download counter)."""
from dataclasses import asdict

from chapchap.admin import pdf as admin_pdf
from chapchap.http.apidoc import doc
from chapchap.http import api, current_user, entry, ok

app = api(validation=False, auth="admin")  # no body model on this route


@app.get("/api/admin/cvs/<cv_id>/pdf", responses=doc({200: "AdminPdfLink", 202: "Rendering"}, errors={
    409: ["CV_DELETED: deleted and its current PDF was never made; restore it first",
          "CONCURRENT_UPDATE: edited while asking for the render; try again"]}))
def cv_pdf(cv_id: str):
    result = admin_pdf.pdf_link(current_user(app), cv_id)
    return ok(asdict(result), status=200 if isinstance(result, admin_pdf.Link) else 202)


handler = entry(app)
