"""HTTP plumbing shared by every API function: the resolver, the envelope, the entry point.

A handler file builds its resolver with `api()`, declares one route, and exports
`handler = entry(app)`. This module owns what every response must have: the error
envelope of docs/api.md, 400 for malformed JSON, 413 for large bodies, 422 with field details,
security headers, correlation ids in the logs.
"""
from __future__ import annotations

import base64
import json
import re
import warnings
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths

from chapchap.errors import ApiError, BadRequest, NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from chapchap.observability import logger, metrics
from chapchap.settings import settings

MAX_JSON_DEPTH = 64

SECURITY_HEADERS = {
    "Content-Type": "application/json",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

# Functions that publish no metric on a request would warn on every call.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def _no_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON number")


class _NotJson(ValueError):
    """What strict parsing refuses beyond the grammar: NaN, Infinity, invalid Unicode."""


def parse_json(text: str) -> Any:
    """Strict json.loads that answers 400 MALFORMED_JSON instead of crashing or storing junk.

    Python's json takes `NaN`, `Infinity` and `-Infinity`, and `"\\ud800"` (half of a UTF-16
    pair); none of them can be written back as JSON (JSON.parse fails on the whole document)
    nor as UTF-8 (a 500 when stored), so they are refused here, where every body comes in."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise BadRequest("The JSON body is nested too deeply.", code="MALFORMED_JSON") from None
    except _NotJson as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}.", code="MALFORMED_JSON",
                         details=[{"location": "body", "message": str(exc)}]) from None
    except ValueError as exc:
        position = getattr(exc, "pos", None)
        details = [{"location": "body", "position": position}] if position is not None else []
        raise BadRequest("The request body is not valid JSON.", code="MALFORMED_JSON",
                         details=details) from None
    _check_tree(value)
    return value


def _valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no character, and no UTF-8 for it
        return False
    return True


def safe_text(text: str) -> str:
    """`text` with what is not Unicode (lone surrogates) written as `\\udXXX` escapes, for
    keeping what a caller sent (the webhook's record) without failing on it."""
    return text if _valid_unicode(text) else text.encode("utf-8", "backslashreplace").decode("utf-8")


def parse_json_body(text: str) -> Any:
    """A request body: JSON whose top level is an object (every body of this API is one), so
    `[null]` where `{"refresh_token": ...}` is optional is refused, not read as "no body"."""
    value = parse_json(text)
    if value is not None and not isinstance(value, dict):  # null: no body, for an optional one
        raise ValidationFailed("The request body must be a JSON object.", code="VALIDATION_FAILED",
                               details=[{"field": "body", "location": "body", "message": "must be a JSON object"}])
    return value


def _check_tree(value: Any) -> None:
    """Depth and Unicode of every node, without recursion (a deep body must not crash us)."""
    bad_text = BadRequest("The request body is not valid JSON: a string holds a lone surrogate "
                          "(\\ud800-\\udfff without its pair), which is not Unicode.", code="MALFORMED_JSON",
                          details=[{"location": "body", "message": "invalid Unicode"}])
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.",
                             code="MALFORMED_JSON")
        if isinstance(node, str):
            if not _valid_unicode(node):
                raise bad_text
        elif isinstance(node, dict):
            for key, child in node.items():
                if not _valid_unicode(key):
                    raise bad_text
                stack.append((child, depth + 1))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def error_response(error: ApiError) -> Response:
    return Response(status_code=error.status, content_type="application/json",
                    body=json.dumps(error.body(), ensure_ascii=False), headers=error.headers)


def dumps(value: Any) -> str:
    """A response body. allow_nan=False: a non-finite number that got past the parser (data
    stored before it was strict) fails here, loudly, rather than sending `NaN`, which is not
    JSON and breaks the client's parse of the whole page."""
    return json.dumps(value, ensure_ascii=False, default=str, allow_nan=False)


def ok(data: Any, status: int = 200, headers: dict[str, str] | None = None,
       meta: dict | None = None) -> Response:
    body: dict[str, Any] = {"data": data}
    if meta is not None:
        body["meta"] = meta
    return Response(status_code=status, content_type="application/json",
                    body=dumps(body), headers=headers)


def created(data: Any, headers: dict[str, str] | None = None) -> Response:
    return ok(data, status=201, headers=headers)


def no_content() -> Response:
    return Response(status_code=204, content_type="application/json", body="")


def _field_details(errors: list[dict]) -> list[dict]:
    details = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        location = loc[0] if loc else "body"
        field = ".".join(loc[1:]) or location
        details.append({"field": field, "location": location, "message": err.get("msg", "invalid"),
                        "type": err.get("type", "value_error")})
    return details


def _on_api_error(exc: ApiError) -> Response:
    if exc.status >= 500:
        logger.warning("request failed", extra={"code": exc.code, "status": exc.status})
    return error_response(exc)


def _on_validation_error(exc: RequestValidationError) -> Response:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(BadRequest("The request body is not valid JSON.", code="MALFORMED_JSON"))
    details = _field_details(errors)
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:3])
    return error_response(ApiError(f"Validation failed: {summary}", code="VALIDATION_FAILED",
                                   status=422, details=details))


# DynamoDB or S3 busy after the SDK's own retries: the client may simply try again.
_BUSY_CODES = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
               "ThrottledException", "SlowDown", "InternalServerError", "ServiceUnavailable",
               "TransactionConflictException"}


def _busy(exc: Exception) -> bool:
    from botocore.exceptions import ClientError

    from chapchap.data.table import TransactionFailed

    if isinstance(exc, TransactionFailed):
        return exc.conflict
    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in _BUSY_CODES


def _on_unexpected(exc: Exception) -> Response:
    if _busy(exc):
        logger.warning("a dependency is busy", extra={"error": type(exc).__name__})
        return error_response(ApiError("We are busy right now. Please try again in a moment.",
                                       code="SERVICE_BUSY", status=503, headers={"Retry-After": "1"}))
    logger.exception("unhandled error")
    return error_response(ApiError("Something went wrong on our side. Please try again.",
                                   code="INTERNAL_ERROR", status=500))


def _on_not_found(exc: Exception) -> Response:
    return error_response(NotFound("No such endpoint."))


AUTH_MODES = (None, "optional", "user", "admin")


def api(*, validation: bool = True, auth: str | None = None) -> APIGatewayHttpResolver:
    """A resolver with the API's error envelope.

    `auth`: None (public), "optional" (a Bearer token when sent, else anonymous), "user" or
    "admin". The caller is checked in `entry` BEFORE the body is validated, so a stranger gets
    401/403 and never learns the body's schema; handlers read it with `current_user(app)`.
    Routes without a body model pass `validation=False`: Powertools' validation machinery
    costs 100-150 ms of cold start."""
    if auth not in AUTH_MODES:
        raise ValueError(f"auth must be one of {AUTH_MODES}")
    app = APIGatewayHttpResolver(enable_validation=validation, json_body_deserializer=parse_json_body)
    app.auth_mode = auth
    app.json_body = validation
    app.exception_handler(ApiError)(_on_api_error)
    app.exception_handler(RequestValidationError)(_on_validation_error)
    app.exception_handler(Exception)(_on_unexpected)
    app.not_found(_on_not_found)
    return app


def _body_bytes(event: dict) -> int:
    body = event.get("body") or ""
    return len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode("utf-8"))


def _finish(response: dict, event: dict) -> dict:
    headers = response.setdefault("headers", {})
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    request_id = (event.get("requestContext") or {}).get("requestId")
    if request_id:
        headers["X-Request-Id"] = request_id
    return response


def _json_media_type(event: dict) -> None:
    """A body must be JSON: 415 for another media type (Powertools would parse form data, or
    fail with a 500). `Application/JSON; charset=utf-8` and `+json` types are JSON too, so the
    header is given to Powertools in the one spelling it compares against."""
    if not event.get("body"):
        return
    headers = event.get("headers") or {}
    name = next((k for k in headers if k.lower() == "content-type"), None)
    if name is None or not headers[name].strip():
        return  # no Content-Type: read as JSON, as Powertools does
    media_type = headers[name].split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not (media_type.startswith("application/") and media_type.endswith("+json")):
        raise UnsupportedMediaType(f"Send the body as application/json, not {media_type[:60]}.")
    headers[name] = "application/json"


def _text_body(event: dict) -> None:
    """A base64 body (API Gateway sends one without a text Content-Type) decoded here: bytes
    that are not UTF-8 are a 400, where Powertools' own decoding would raise a 500."""
    if not (event.get("isBase64Encoded") and event.get("body")):
        return
    try:
        text = base64.b64decode(event["body"]).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON: it is not UTF-8 text.",
                         code="MALFORMED_JSON", details=[{"location": "body", "message": "not UTF-8"}]) from None
    event["body"], event["isBase64Encoded"] = text, False


def text_body(event: Any) -> str:
    """The body of a route that must take anything (the webhook): bytes that are not UTF-8
    become U+FFFD rather than an error."""
    body = event.body or ""
    if event.is_base64_encoded and body:
        try:
            return base64.b64decode(body).decode("utf-8", "replace")
        except ValueError:
            return body
    return body


def entry(app: APIGatewayHttpResolver):
    """The Lambda handler of an API function: logging context, metrics, size limit, headers."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP,
                                  clear_state=True)
    @metrics.log_metrics
    def handler(event: dict, context: Any) -> dict:
        limit = settings().max_body_bytes
        try:
            if _body_bytes(event) > limit:
                raise PayloadTooLarge(f"The request body is larger than {limit // 1024} KB.")
            app.append_context(user=_caller(app.auth_mode, event.get("headers") or {}))
            if app.json_body:
                _json_media_type(event)
                _text_body(event)
        except ApiError as error:
            app.clear_context()
            response = {"statusCode": error.status, "headers": dict(error.headers),
                        "body": json.dumps(error.body()), "isBase64Encoded": False}
        except Exception as exc:  # noqa: BLE001 - the guard reads the table outside the resolver:
            app.clear_context()  # a throttled read must be the 503 a handler's would be, not a crash
            failed = _on_unexpected(exc)
            response = {"statusCode": failed.status_code, "headers": dict(failed.headers or {}),
                        "body": failed.body, "isBase64Encoded": False}
        else:
            response = app.resolve(event, context)
        return _finish(response, event)

    return handler


def page_params(app: APIGatewayHttpResolver, *, default: int = 20) -> tuple[int, str | None]:
    """`limit` (1..100) and `cursor` of a list request; anything else is a 400."""
    query = app.current_event.query_string_parameters or {}
    raw = query.get("limit")
    limit = default
    if raw is not None:
        # ASCII digits only: str.isdigit() also takes "²", which int() refuses (a 500)
        if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= 100:
            raise BadRequest("limit must be a whole number from 1 to 100.", code="BAD_QUERY",
                             details=[{"field": "limit", "location": "query", "message": "1..100"}])
        limit = int(raw)
    return limit, query.get("cursor") or None


def page(items: list, *, limit: int, next_cursor: str | None, total: int | None = None) -> Response:
    meta: dict[str, Any] = {"limit": limit, "next_cursor": next_cursor}
    if total is not None:
        meta["total"] = total
    return ok(items, meta=meta)


def _caller(mode: str | None, headers: dict[str, str]) -> dict[str, Any] | None:
    if mode is None:
        return None
    from chapchap.http import guard

    if mode == "optional":
        return guard.optional_user(headers)
    return guard.require_admin(headers) if mode == "admin" else guard.authenticate(headers)


def current_user(app: APIGatewayHttpResolver) -> dict[str, Any] | None:
    """The caller checked by `entry` (None for anonymous callers of optional routes)."""
    return app.context.get("user")


def header(app: APIGatewayHttpResolver, name: str) -> str | None:
    """A request header, case-insensitively."""
    return (app.current_event.headers or {}).get(name.lower())


def source_ip(app: APIGatewayHttpResolver) -> str:
    return app.current_event.request_context.http.source_ip or "unknown"


def base_url(app: APIGatewayHttpResolver) -> str:
    """Where this API is reached from outside (Selcom's webhook): PUBLIC_BASE_URL when set,
    else the domain the request came to."""
    domain = app.current_event.request_context.domain_name
    return settings().public_base_url or (f"https://{domain}" if domain else "")
