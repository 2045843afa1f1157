"""POST /api/cvs/{id}/share: the paid CV's public link with its QR codes; 201 when made now,
200 with the same link when it already had one (one live link per CV)."""
from chapchap.cvs import sharing
from chapchap.http.apidoc import doc
from chapchap.http.caller import owner_of
from chapchap.http import api, entry, ok

app = api(validation=False, auth="optional")  # no body model on this route


@app.post("/api/cvs/<cv_id>/share", responses=doc({200: "ShareData", 201: "ShareData"}, errors={
    402: "PAYMENT_REQUIRED: pay for the CV first",
    409: "CONCURRENT_UPDATE: the link was revoked while this one was made; ask again"}))
def share_cv(cv_id: str):
    owner, _ = owner_of(app)
    result = sharing.share(owner, cv_id)
    return ok({"share": result.share}, status=201 if result.created else 200)


handler = entry(app)
