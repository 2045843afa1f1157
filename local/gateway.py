"""API Gateway HTTP API (payload format 2.0) in front of Lambda handlers: pure conversions.

Request -> event and handler result -> response follow what AWS does; see `to_event` and
`from_result`. CORS follows the HttpApi CorsConfiguration of template.yaml. Nothing here
touches sockets, so the unit tests drive it directly.
"""
from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qsl, unquote, urlsplit

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
# Real HTTP APIs pass these bodies as text and base64-encode every other one (also a
# missing Content-Type and application/x-www-form-urlencoded).
TEXT_TYPES = ("application/json", "application/xml", "application/javascript")


@dataclass
class HttpRequest:
    method: str
    target: str  # request target as sent: /path?query
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ",".join(values) if values else None


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class InvalidResponse(ValueError):
    """The handler returned something API Gateway would reject (it answers 500)."""


def is_text(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media.startswith("text/") or media in TEXT_TYPES


def request_id() -> str:
    """Looks like API Gateway's request ids (e.g. JKJaXmPLvHcESHA=)."""
    return base64.b64encode(secrets.token_bytes(10)).decode()


def to_event(req: HttpRequest, route_key: str, path_parameters: dict[str, str] | None,
             *, api_id: str = "local", account_id: str = "123456789012",
             now: float | None = None, req_id: str | None = None, port: int | None = None) -> dict:
    """The payload 2.0 event API Gateway sends to the Lambda function of a route."""
    now = time.time() if now is None else now
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in req.headers:
        key = name.lower()
        if key == "cookie":  # API Gateway moves cookies out of the headers
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded}, {req.source_ip}" if forwarded else req.source_ip
    headers.setdefault("x-forwarded-proto", "http")
    if port:
        headers.setdefault("x-forwarded-port", str(port))
    headers.setdefault("x-amzn-trace-id", f"Root=1-{int(now):08x}-{secrets.token_hex(12)}")
    host = headers.get("host", "localhost").split(":", 1)[0]
    prefix = host if host.replace(".", "").isdigit() else host.split(".", 1)[0]
    req_id = req_id or request_id()
    event: dict = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": req.path,
        "rawQueryString": req.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query: dict[str, str] = {}
    for name, value in parse_qsl(req.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": prefix,
        "http": {
            "method": req.method.upper(),
            "path": req.path,
            "protocol": req.protocol,
            "sourceIp": req.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": req_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": datetime.fromtimestamp(now, timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now * 1000),
    }
    if path_parameters:
        event["pathParameters"] = {k: unquote(v) for k, v in path_parameters.items()}
    if req.body:
        if is_text(headers.get("content-type")):
            event["body"] = req.body.decode("utf-8", errors="replace")
            event["isBase64Encoded"] = False
        else:
            event["body"] = base64.b64encode(req.body).decode()
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


def from_result(result) -> HttpResponse:
    """What API Gateway answers for a handler's return value (payload format 2.0).

    A dict with statusCode is a response: headers (str values, duplicates comma-joined),
    cookies (one Set-Cookie each), body (str; base64 when isBase64Encoded). Anything else
    that is valid JSON is a 200 application/json: a str is the body as is, other values are
    serialised to JSON.
    """
    if isinstance(result, dict) and "statusCode" in result:
        status = result["statusCode"]
        if isinstance(status, bool) or not isinstance(status, (int, str)) \
                or not str(status).isdigit() or not 100 <= int(status) <= 599:
            raise InvalidResponse(f"statusCode must be an HTTP status code, got {status!r}")
        raw_headers = result.get("headers") or {}
        if not isinstance(raw_headers, dict):
            raise InvalidResponse("headers must be an object of strings")
        headers = [(str(k), _header_value(k, v)) for k, v in raw_headers.items()]
        for cookie in result.get("cookies") or []:
            headers.append(("Set-Cookie", str(cookie)))
        body = result.get("body")
        if body is None:
            data = b""
        elif not isinstance(body, str):
            raise InvalidResponse(f"body must be a string, got {type(body).__name__}")
        elif result.get("isBase64Encoded"):
            try:
                data = base64.b64decode(body, validate=True)
            except ValueError as exc:
                raise InvalidResponse(f"isBase64Encoded but the body is not base64: {exc}") from None
        else:
            data = body.encode("utf-8")
        return HttpResponse(int(status), headers, data)
    try:
        text = result if isinstance(result, str) else json.dumps(result)
    except (TypeError, ValueError) as exc:
        raise InvalidResponse(f"the return value is not JSON serialisable: {exc}") from None
    return HttpResponse(200, [("Content-Type", "application/json")], text.encode("utf-8"))


def _header_value(name, value) -> str:
    if isinstance(value, (list, dict)) or value is None:
        raise InvalidResponse(f"header {name!r} must be a string, got {type(value).__name__}")
    return str(value).lower() if isinstance(value, bool) else str(value)


def error(status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None) -> HttpResponse:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return HttpResponse(status, [("Content-Type", "application/json"), *(headers or [])], body)


# ---------------------------------------------------------------- CORS
@dataclass
class Cors:
    """The HttpApi CorsConfiguration; API Gateway answers preflights itself."""
    allow_origins: list[str] = field(default_factory=list)
    allow_methods: list[str] = field(default_factory=list)
    allow_headers: list[str] = field(default_factory=list)
    expose_headers: list[str] = field(default_factory=list)
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def from_config(cls, config: dict | None) -> "Cors | None":
        if not config:
            return None
        as_list = lambda v: [v] if isinstance(v, str) else list(v or [])  # noqa: E731
        return cls(
            allow_origins=as_list(config.get("AllowOrigins")),
            allow_methods=[m.upper() for m in as_list(config.get("AllowMethods"))],
            allow_headers=[h.lower() for h in as_list(config.get("AllowHeaders"))],
            expose_headers=[h.lower() for h in as_list(config.get("ExposeHeaders"))],
            max_age=config.get("MaxAge"),
            allow_credentials=bool(config.get("AllowCredentials")),
        )

    def origin_allowed(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin value for this origin, or None."""
        if not origin:
            return None
        if "*" in self.allow_origins:
            return origin if self.allow_credentials else "*"
        return origin if origin in self.allow_origins else None

    @staticmethod
    def is_preflight(req: HttpRequest) -> bool:
        return (req.method.upper() == "OPTIONS" and req.header("origin") is not None
                and req.header("access-control-request-method") is not None)

    def preflight(self, req: HttpRequest) -> HttpResponse:
        allowed = self.origin_allowed(req.header("origin"))
        method = (req.header("access-control-request-method") or "").upper()
        if not allowed or ("*" not in self.allow_methods and method not in self.allow_methods):
            return HttpResponse(204, [])
        headers = [("Access-Control-Allow-Origin", allowed),
                   ("Access-Control-Allow-Methods", ",".join(self.allow_methods))]
        if self.allow_headers:
            wanted = req.header("access-control-request-headers")
            value = wanted if "*" in self.allow_headers and wanted else ",".join(self.allow_headers)
            headers.append(("Access-Control-Allow-Headers", value))
        if self.max_age is not None:
            headers.append(("Access-Control-Max-Age", str(self.max_age)))
        if self.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        if allowed != "*":
            headers.append(("Vary", "Origin"))
        return HttpResponse(204, headers)

    def decorate(self, req: HttpRequest, resp: HttpResponse) -> HttpResponse:
        """With CORS configured, API Gateway replaces the backend's CORS headers."""
        headers = [(k, v) for k, v in resp.headers if not k.lower().startswith("access-control-")]
        allowed = self.origin_allowed(req.header("origin"))
        if allowed:
            headers.append(("Access-Control-Allow-Origin", allowed))
            if self.expose_headers:
                headers.append(("Access-Control-Expose-Headers", ",".join(self.expose_headers)))
            if self.allow_credentials:
                headers.append(("Access-Control-Allow-Credentials", "true"))
            if allowed != "*":
                vary = [v for k, v in headers if k.lower() == "vary"]
                if not any("origin" in v.lower() for v in vary):
                    headers.append(("Vary", "Origin"))
        return HttpResponse(resp.status, headers, resp.body)
