"""/api/docs on the local stack: Swagger UI served offline, and the OpenAPI document."""
from __future__ import annotations

import json
import re

from local.openapi import OUTPUT


def test_docs_page_uses_only_local_assets(stack):
    page = stack.get("/api/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "swagger-ui" in html
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.I), "the page must not load anything external"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/api/docs/") for a in assets)
    for asset in assets:
        reply = stack.get(asset)
        assert reply.status_code == 200 and len(reply.content) > 100, asset
    assert "SwaggerUIBundle" in stack.get("/api/docs/swagger-ui-bundle.js").text
    init = stack.get("/api/docs/init.js").text
    assert "/api/docs/openapi.json" in init and "validatorUrl: null" in init


def test_docs_serve_the_document(stack):
    reply = stack.get("/api/docs/openapi.json")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/json")
    served = reply.json()
    assert served["servers"][0]["url"] == stack.url  # "Try it out" calls this stack
    checked_in = json.loads(OUTPUT.read_text(encoding="utf-8"))
    without_servers = lambda doc: {k: v for k, v in doc.items() if k != "servers"}  # noqa: E731
    assert without_servers(served) == without_servers(checked_in)
    assert served["servers"][1:] == checked_in["servers"]


def test_docs_paths_do_not_shadow_the_api(stack):
    assert stack.post("/api/docs").status_code == 405
    assert stack.get("/api/docs/nothing-here").status_code == 404
    assert stack.get("/api/health").status_code == 200
