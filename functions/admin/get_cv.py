"""GET /api/admin/cvs/{id}: any CV, deleted ones too."""
from chapchap.admin import cvs as admin_cvs
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok

app = api(validation=False, auth="admin")  # no body model on this route


@app.get("/api/admin/cvs/<cv_id>",
         responses=doc("AdminCvData"))
def get_cv(cv_id: str):
    return ok({"cv": admin_cvs.read(cv_id)})


handler = entry(app)
