"""GET /api/cvs/{id}: one of the caller's CVs."""
from chapchap.cvs import editing as cvs
from chapchap.http.apidoc import doc
from chapchap.http.caller import owner_of
from chapchap.http import api, entry, ok

app = api(validation=False, auth="optional")  # no body model on this route


@app.get("/api/cvs/<cv_id>", responses=doc("CvData"))
def get_cv(cv_id: str):
    owner, _ = owner_of(app)
    return ok({"cv": cvs.read(owner, cv_id)})


handler = entry(app)
