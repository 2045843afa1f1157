"""PUT /api/cvs/{id}: change title, template or content; a paid CV is rendered again."""
from chapchap import cvs
from chapchap.http import api, current_user, entry, ok
from chapchap.models.cv import CvUpdateIn

app = api(auth="optional")


@app.put("/api/cvs/<cv_id>")
def update_cv(cv_id: str, body: CvUpdateIn):
    owner, _ = cvs.caller(current_user(app), app.current_event.headers)
    return ok({"cv": cvs.update(owner, cv_id, body)})


handler = entry(app)
