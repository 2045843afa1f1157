"""GET /api/admin/payments/{reference}: one payment's story for the support desk (admin)."""
from chapchap.admin import desk
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok

app = api(validation=False, auth="admin")  # no body model on this route


@app.get("/api/admin/payments/<reference>", responses=doc("AdminPaymentStory"))
def payment_story(reference: str):
    return ok(desk.story(reference))


handler = entry(app)
