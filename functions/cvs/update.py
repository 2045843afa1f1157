"""PUT /api/cvs/{id}: change title, template or content; a paid CV is rendered again.

A paid CV moves only to templates it is paid for (402 with the difference otherwise), and it
keeps the name it was paid for: corrections of `content.basics.name` are fine, another
person's name is refused with 409 PAID_CV_LOCKED."""
from chapchap.cvs import editing as cvs
from chapchap.http.apidoc import doc
from chapchap.http.caller import owner_of
from chapchap.http import api, entry, ok
from chapchap.models.cv import CvUpdateIn

app = api(auth="optional")


@app.put("/api/cvs/<cv_id>", responses=doc("CvData", errors={
    402: "PAYMENT_REQUIRED: a paid CV to a dearer template than it is paid up to; details: [{field: "
         "template_id, template_id, price, paid, difference, currency}]; pay the difference with "
         "POST /api/payments/initiate {cv_id, template_id}",
    409: ["PAID_CV_LOCKED: the CV is paid for and the new `content.basics.name` is another person's "
          "(more than a correction of the name it was paid for); nothing changed",
          "CONCURRENT_UPDATE: the CV changed while saving; reload and retry"],
    413: "CONTENT_TOO_LARGE: content is over 100 KB",
    422: "VALIDATION_FAILED: also content that is not JSON Resume, or an inactive template_id"}))
def update_cv(cv_id: str, body: CvUpdateIn):
    owner, _ = owner_of(app)
    return ok({"cv": cvs.update(owner, cv_id, body)})


handler = entry(app)
