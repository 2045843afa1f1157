"""Invoke the real handler of a route with an API Gateway HTTP API (payload 2.0) event."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from local.gateway import HttpRequest, to_event
from local.runtime import Runtime
from local.template import load_template

_TEMPLATE = load_template()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any
    raw: dict

    @property
    def data(self) -> Any:
        return self.body["data"]

    @property
    def error(self) -> dict:
        return self.body["error"]


_RUNTIME = Runtime(_TEMPLATE)


def invoke(function_id: str, event: dict) -> Any:
    """Run a function's real handler, as the local stack does."""
    return _RUNTIME.invoke(function_id, event)


class ApiClient:
    """`api.post("/api/auth/login", json={...}, token=...)` -> Reply."""

    def request(self, method: str, path: str, *, json_body: Any = None, body: str | None = None,
                token: str | None = None, headers: dict[str, str] | None = None,
                query: str = "", source_ip: str = "196.249.1.1") -> Reply:
        found = _TEMPLATE.find_route(method, path)
        assert found, f"no route for {method} {path} in template.yaml"
        route, params = found
        all_headers = {"content-type": "application/json", **(headers or {})}
        if token:
            all_headers["authorization"] = f"Bearer {token}"
        if json_body is not None:
            body = json.dumps(json_body)
        target = f"{path}?{query}" if query else path
        request = HttpRequest(method=method, target=target, headers=list(all_headers.items()),
                              body=(body or "").encode("utf-8"), source_ip=source_ip)
        event = to_event(request, route.route_key, params)
        raw = invoke(route.function_id, event)
        text = raw.get("body") or ""
        return Reply(raw["statusCode"], {k.lower(): v for k, v in (raw.get("headers") or {}).items()},
                     json.loads(text) if text else None, raw)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, json_body=json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Reply:
        return self.request("PUT", path, json_body=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Reply:
        return self.request("PATCH", path, json_body=json, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.request("DELETE", path, **kw)
