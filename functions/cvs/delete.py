"""DELETE /api/cvs/{id}: soft delete (kept with deleted_at, gone from lists and reads)."""
from chapchap.cvs import editing as cvs
from chapchap.http import api, current_user, entry, no_content

app = api(validation=False, auth="optional")  # no body model on this route


@app.delete("/api/cvs/<cv_id>")
def delete_cv(cv_id: str):
    owner, _ = cvs.caller(current_user(app), app.current_event.headers)
    cvs.delete(owner, cv_id)
    return no_content()


handler = entry(app)
