"""GET /api/public/cvs/{slug}: a shared CV for anyone with its link (no account); counts one
view per viewer and 30 minutes; 202 while a never-rendered CV's PDF is being made."""
from dataclasses import asdict

from chapchap.cvs import sharing
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, header, ok, source_ip

app = api(validation=False)  # public; no body model on this route


@app.get("/api/public/cvs/<slug>", responses=doc({200: "PublicCv", 202: "Rendering"}, errors={
    429: "TOO_MANY_REQUESTS: too many requests from this address; see Retry-After"}))
def get_public_cv(slug: str):
    visit = sharing.Visit(address=source_ip(app), user_agent=header(app, "user-agent") or "",
                          referrer=header(app, "referer") or "",
                          country=header(app, "cloudfront-viewer-country") or "")
    result = sharing.open_link(slug, visit)
    return ok(asdict(result), status=202 if isinstance(result, sharing.Rendering) else 200)


handler = entry(app)
