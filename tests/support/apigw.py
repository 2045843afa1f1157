"""Invoke the real handler of a route with an API Gateway HTTP API (payload 2.0) event."""
from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from typing import Any

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


def handler_for(function_id: str):
    return getattr(importlib.import_module(_TEMPLATE.functions[function_id].module_name), "handler")


class LambdaContext:  # TEMPORARY until local.runtime lands
    def __init__(self, fn):
        self.function_name = fn.logical_id
        self.memory_limit_in_mb = fn.memory
        self.invoked_function_arn = f"arn:aws:lambda:af-south-1:123456789012:function:{fn.logical_id}"
        self.aws_request_id = "req-1"

    def get_remaining_time_in_millis(self):
        return 10000


def build_http_event(*, route, method, path, query, headers, body, path_params, source_ip):  # TEMPORARY
    import base64, time, uuid
    return {"version": "2.0", "routeKey": route.route_key, "rawPath": path, "rawQueryString": query,
            "headers": headers, "pathParameters": path_params or None,
            "queryStringParameters": None,
            "requestContext": {"http": {"method": method, "path": path, "sourceIp": source_ip, "protocol": "HTTP/1.1", "userAgent": "t"},
                               "requestId": str(uuid.uuid4()), "routeKey": route.route_key, "stage": "$default",
                               "timeEpoch": int(time.time() * 1000), "accountId": "1", "apiId": "local"},
            "body": body.decode(), "isBase64Encoded": False}


def invoke(function_id: str, event: dict) -> Any:
    fn = _TEMPLATE.functions[function_id]
    return handler_for(function_id)(event, LambdaContext(fn))


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
        event = build_http_event(route=route, method=method, path=path, query=query,
                                 headers=all_headers, body=(body or "").encode("utf-8"),
                                 path_params=params, source_ip=source_ip)
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
