"""POST /api/cvs/{id}/duplicate: an unpaid copy of one of the caller's CVs."""
from chapchap.cvs import editing as cvs
from chapchap.http.apidoc import doc
from chapchap.http.caller import owner_of
from chapchap.http import api, created, entry

app = api(validation=False, auth="optional")  # no body model on this route


@app.post("/api/cvs/<cv_id>/duplicate", responses=doc("CvData"))
def duplicate_cv(cv_id: str):
    owner, _ = owner_of(app)
    return created({"cv": cvs.duplicate(owner, cv_id)})


handler = entry(app)
