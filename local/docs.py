"""Swagger UI for the local stack, offline: /api/docs, /api/docs/openapi.json and its assets.

The assets are the Swagger UI 5 build that aws-lambda-powertools ships (it serves them from
Lambda for `enable_swagger`): already a pinned dependency of the layer, and Swagger UI 5 is
the first that renders OpenAPI 3.1. The document is generated from the running code on the
first request (`local/openapi.py`, the same as `make openapi` writes), with the stack's own
address as the first server so "Try it out" calls this stack; if generating fails the
checked-in openapi.json is served and the console says why.
"""
from __future__ import annotations

import json
import sys
import threading
import traceback
from importlib import resources

from .gateway import HttpRequest, HttpResponse, error

PREFIX = "/api/docs"
ASSETS = {
    "swagger-ui-bundle.js": ("swagger-ui-bundle.min.js", "application/javascript; charset=utf-8"),
    "swagger-ui.css": ("swagger-ui.min.css", "text/css; charset=utf-8"),
}
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>CV Chap Chap API (local)</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  <style>body { margin: 0; } .swagger-ui .topbar { display: none; }</style>
</head>
<body>
  <div id="swagger-ui">Loading the API documentation...</div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/init.js"></script>
</body>
</html>
"""
INIT = """window.ui = SwaggerUIBundle({
  url: "/api/docs/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  presets: [SwaggerUIBundle.presets.apis],
  deepLinking: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayOperationId: true,
  filter: true,
  persistAuthorization: true,
  tryItOutEnabled: false,
  validatorUrl: null
});
"""
HEADERS = [("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-cache")]


def is_docs_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class Docs:
    def __init__(self, server_url: str | None = None, log=None) -> None:
        self.server_url = server_url
        self.log = log or (lambda line, stream=None: print(line, file=stream or sys.stdout))
        self._document: bytes | None = None
        self._lock = threading.Lock()

    def document(self) -> bytes:
        with self._lock:
            if self._document is None:
                self._document = self._build()
            return self._document

    def _build(self) -> bytes:
        from .openapi import OUTPUT, build_document, render

        try:
            document = build_document()
        except (Exception, SystemExit):  # noqa: BLE001 - serve the checked-in one instead
            self.log(f"docs: generating the OpenAPI document failed, serving {OUTPUT.name}:\n"
                     f"{traceback.format_exc()}", sys.stderr)
            document = json.loads(OUTPUT.read_text(encoding="utf-8"))
        if self.server_url:
            document["servers"] = [{"url": self.server_url, "description": "this local stack"},
                                   *[s for s in document.get("servers", []) if s.get("url") != self.server_url]]
        return render(document).encode("utf-8")

    def handle(self, req: HttpRequest) -> HttpResponse:
        if req.method.upper() not in ("GET", "HEAD"):
            return error(405, "METHOD_NOT_ALLOWED", f"{req.method} is not allowed on {req.path}",
                         [("Allow", "GET, HEAD")])
        name = req.path[len(PREFIX):].strip("/")
        if name == "":
            return HttpResponse(200, [("Content-Type", "text/html; charset=utf-8"), *HEADERS], PAGE.encode())
        if name == "openapi.json":
            return HttpResponse(200, [("Content-Type", "application/json"), *HEADERS], self.document())
        if name == "init.js":
            return HttpResponse(200, [("Content-Type", "application/javascript; charset=utf-8"), *HEADERS],
                                INIT.encode())
        if name in ASSETS:
            filename, content_type = ASSETS[name]
            return HttpResponse(200, [("Content-Type", content_type), *HEADERS], _asset(filename))
        return error(404, "NOT_FOUND", f"No such file {req.path}")


def _asset(filename: str) -> bytes:
    folder = resources.files("aws_lambda_powertools.event_handler.openapi.swagger_ui")
    return folder.joinpath(filename).read_bytes()
