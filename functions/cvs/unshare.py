"""DELETE /api/cvs/{id}/share: the CV's public link stops answering (404) at once."""
from chapchap.cvs import sharing
from chapchap.http.caller import owner_of
from chapchap.http import api, entry, no_content

app = api(validation=False, auth="optional")  # no body model on this route


@app.delete("/api/cvs/<cv_id>/share")
def unshare_cv(cv_id: str):
    owner, _ = owner_of(app)
    sharing.revoke(owner, cv_id)
    return no_content()


handler = entry(app)
