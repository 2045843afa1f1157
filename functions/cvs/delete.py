"""DELETE /api/cvs/{id}: soft delete (kept with deleted_at, gone from lists and reads)."""
from chapchap.cvs import editing as cvs
from chapchap.http.caller import owner_of
from chapchap.http import api, entry, no_content

app = api(validation=False, auth="optional")  # no body model on this route


@app.delete("/api/cvs/<cv_id>")
def delete_cv(cv_id: str):
    owner, _ = owner_of(app)
    cvs.delete(owner, cv_id)
    return no_content()


handler = entry(app)
