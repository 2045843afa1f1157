"""One OpenAPI 3.1 document for the whole API, merged from every function's Powertools resolver.

    python -m local.openapi            write openapi.json (make openapi)
    python -m local.openapi --check    exit 1 when openapi.json is not what the code gives
    python -m local.openapi --stdout   print it

Where each part comes from:
- the routes: template.yaml (`local/template.py`), with the path as API Gateway spells it
  (`{id}`, not Powertools' `<cv_id>`); the operationId is the name a client developer would
  write (`OPERATION_IDS` below: `createCv`, `getAdminStats`), and `x-function` keeps the
  function's logical id, so a reader goes from an operation to its handler;
- request bodies, path parameters and the route's declared responses: the handler module's
  `app.get_openapi_schema()` (Powertools), with `responses=doc(...)` from `chapchap/http/apidoc.py`
  naming the model of the answer's `data` (and of its `meta` where it is not `ListMeta`), the
  errors only the domain knows and the query parameters the route's parser reads;
- who may call: the resolver's
  declared auth mode (`api(auth="user"|"admin")`: Bearer; "optional" with `owner_of` (chapchap/http/caller.py): Bearer or X-Anonymous-Id;
  neither: public), the success status (`created` 201, `no_content` 204, `ok(status=N)`),
  lists (`page`: `data` is an array plus `meta`, and `limit`/`cursor` query parameters),
  the `Idempotency-Key` header (`header(app, ...)`), and the errors these imply, with 503
  `SERVICE_BUSY` on every operation (chapchap/http/__init__.py answers it for throttling anywhere);
- response models: the pydantic models in `chapchap/models/` named by the routes; each
  success answer's envelope is a named schema (`CvEnvelope`, `CvListEnvelope`: see
  `envelope_name`), so generated clients get readable model names.

A function added to template.yaml appears with no change here; only the tag descriptions
below are data about areas.
"""
from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import json
import os
import pkgutil
import re
import sys
import textwrap
import warnings
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any

from .template import ROOT, Function, Route, Template, load_template

OUTPUT = ROOT / "openapi.json"
OPENAPI_VERSION = "3.1.0"
TITLE = "CV Chap Chap API"
REF = "#/components/schemas/"
# chapchap.http.apidoc's keys (not imported: this module loads before the layer is on sys.path)
DATA_KEY, META_KEY, QUERY_KEY = "x-data", "x-meta", "x-query"
DESCRIPTION = """\
The backend of CV Chap Chap: visitors build a CV for free and without an account, register,
pay through Selcom (mobile money or card) and download the PDF; admins run the business.

- Success: `{"data": ...}`; lists add `"meta": {"limit", "next_cursor", "total"?}` (pass
  `next_cursor` back as `cursor`). Errors: `{"error": {"code", "message", "details"}}`
  (`ErrorEnvelope`); each response lists the codes it can carry.
- Sign in with `POST /api/auth/login` (or register) and send `Authorization: Bearer
  <access_token>`. CV routes also accept the anonymous visitor's `X-Anonymous-Id`.
- Times are ISO 8601 in UTC with `Z`; money is an integer `amount` with a `currency` (TZS).

Generated from template.yaml and the handlers by `make openapi`; the contract's prose is
docs/api.md in the repository."""
# The operationId of each route: the method name a generated client gets (openapi-python-client
# turns `createCv` into `api/cvs/create_cv.py`, TypeScript generators into `createCv()`), so
# these are what a frontend developer would write. A route missing here gets its function's
# logical id without "Function", in camelCase (`AdminRefundFunction` -> `adminRefund`);
# add it here to choose better. Ids must be unique (checked when the document is built).
OPERATION_IDS = {
    "GET /api/health": "getHealth",
    "POST /api/auth/register": "register",
    "POST /api/auth/login": "login",
    "POST /api/auth/refresh": "refreshTokens",
    "POST /api/auth/logout": "logout",
    "GET /api/auth/me": "getCurrentUser",
    "POST /api/auth/password/forgot": "requestPasswordReset",
    "POST /api/auth/password/reset": "resetPassword",
    "GET /api/user/me": "getMyProfile",
    "PATCH /api/user/me": "updateMyProfile",
    "POST /api/user/me/password": "changeMyPassword",
    "GET /api/templates": "listTemplates",
    "POST /api/cvs": "createCv",
    "GET /api/cvs": "listMyCvs",
    "GET /api/cvs/{id}": "getCv",
    "PUT /api/cvs/{id}": "updateCv",
    "DELETE /api/cvs/{id}": "deleteCv",
    "POST /api/cvs/{id}/duplicate": "duplicateCv",
    "POST /api/cvs/{id}/restore": "restoreCv",
    "GET /api/cvs/{id}/preview": "getCvPreview",
    "POST /api/cvs/{id}/share": "shareCv",
    "DELETE /api/cvs/{id}/share": "unshareCv",
    "GET /api/cvs/{id}/share/views": "listShareViews",
    "GET /api/public/cvs/{slug}": "getSharedCv",
    "POST /api/cvs/{id}/analysis": "startCvAnalysis",
    "GET /api/cvs/{id}/analysis": "listCvAnalyses",
    "GET /api/cvs/{id}/analysis/{analysis_id}": "getCvAnalysis",
    "POST /api/uploads/presigned-url": "createPhotoUpload",
    "POST /api/payments/initiate": "initiatePayment",
    "POST /api/payments/callback": "receiveSelcomWebhook",
    "GET /api/payments/verify/{reference}": "verifyPayment",
    "GET /api/payments": "listMyPayments",
    "GET /api/payments/{id}/receipt": "getPaymentReceipt",
    "GET /api/payments/download/{cv_id}": "downloadCv",
    "GET /api/admin/users": "listUsers",
    "POST /api/admin/users": "createUser",
    "GET /api/admin/users/{id}": "getUser",
    "PUT /api/admin/users/{id}": "updateUser",
    "DELETE /api/admin/users/{id}": "deleteUser",
    "GET /api/admin/users/{id}/cvs": "listUserCvs",
    "GET /api/admin/cvs": "listAdminCvs",
    "GET /api/admin/cvs/{id}": "getAdminCv",
    "PUT /api/admin/cvs/{id}": "updateAdminCv",
    "DELETE /api/admin/cvs/{id}": "deleteAdminCv",
    "POST /api/admin/cvs/{id}/restore": "restoreAdminCv",
    "GET /api/admin/cvs/{id}/pdf": "getAdminCvPdf",
    "GET /api/admin/audit": "listAuditEntries",
    "GET /api/admin/stats": "getAdminStats",
    "GET /api/admin/templates": "listAdminTemplates",
    "GET /api/admin/templates/stats": "getTemplateStats",
    "POST /api/admin/templates": "createTemplate",
    "PUT /api/admin/templates/{id}": "updateTemplate",
    "DELETE /api/admin/templates/{id}": "deleteTemplate",
    "PUT /api/admin/templates/{id}/status": "setTemplateStatus",
    "GET /api/admin/payments": "listAdminPayments",
    "GET /api/admin/payments/{reference}": "getAdminPaymentStory",
    "POST /api/admin/payments/{reference}/recheck": "recheckAdminPayment",
    "POST /api/admin/payments/{reference}/resolve": "resolveAdminPayment",
    "GET /api/admin/analytics": "getAdminAnalytics",
    "GET /api/admin/funnel": "getAdminFunnel",
    "GET /api/admin/reports/payments": "getPaymentsReport",
    "GET /api/admin/settings": "getAdminSettings",
    "PUT /api/admin/settings": "updateAdminSettings",
}
# Tag descriptions, by the path's area (/api/<area>/...). An area missing here still gets its tag.
TAGS = {
    "health": "Liveness and the table's reachability.",
    "auth": "Accounts, sign-in, token rotation and sign-out.",
    "user": "The signed-in user's profile and password.",
    "templates": "The CV templates on offer and their prices.",
    "cvs": "CVs of the signed-in user or of the anonymous visitor (X-Anonymous-Id).",
    "uploads": "Presigned uploads of CV photos straight to S3.",
    "payments": "Selcom orders, the webhook, receipts and downloads.",
    "admin": "The admin dashboard (role admin).",
}
SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "The `access_token` of register, login or refresh (valid 15 minutes).",
    },
    "anonymousId": {
        "type": "apiKey", "in": "header", "name": "X-Anonymous-Id",
        "description": "The anonymous visitor's id: the `anonymous_id` (and `X-Anonymous-Id` response "
                       "header) of the first `POST /api/cvs` made without signing in.",
    },
}
# Powertools' own validation schemas: our 422 is the ErrorEnvelope.
POWERTOOLS_SCHEMAS = {"HTTPValidationError", "ValidationError", "ResponseValidationError"}
METHOD_ORDER = ["get", "put", "post", "patch", "delete", "options", "head", "trace"]
BODY_METHODS = {"POST", "PUT", "PATCH"}

# What a call in a handler implies, by the called name.
AUTH_ERRORS = {
    401: ["UNAUTHORIZED: no Bearer token", "INVALID_TOKEN: a bad token, or the session ended",
          "TOKEN_EXPIRED: the access token expired (refresh it)"],
    403: ["ACCOUNT_SUSPENDED: the account is suspended"],
}
ADMIN_ERRORS = {403: ["FORBIDDEN: not an administrator"]}
CALLER_ERRORS = {
    401: ["UNAUTHORIZED: neither a Bearer token nor X-Anonymous-Id",
          "BAD_ANONYMOUS_ID: X-Anonymous-Id is not a UUID this API gave",
          "INVALID_TOKEN: a bad token, or the session ended",
          "TOKEN_EXPIRED: the access token expired (refresh it)"],
    403: ["ACCOUNT_SUSPENDED: the account is suspended"],
}
OPTIONAL_USER_ERRORS = {
    401: ["INVALID_TOKEN: a bad token, or the session ended",
          "TOKEN_EXPIRED: the access token expired (refresh it)"],
    403: ["ACCOUNT_SUSPENDED: the account is suspended"],
}
BODY_ERRORS = {
    400: ["MALFORMED_JSON: the body is not JSON, or is nested too deeply"],
    415: ["UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/json"],
    422: ["VALIDATION_FAILED: `details` names each field (a body that is not a JSON object: `body`)"],
}
LARGE_BODY = {413: ["PAYLOAD_TOO_LARGE: the body is larger than 256 KB"]}
PAGE_ERRORS = {400: ["BAD_QUERY: `limit` is not 1..100", "BAD_CURSOR: the cursor is not one of this list's"]}
PATH_ERRORS = {404: ["NOT_FOUND: no such thing, or it is someone else's"]}
QUERY_ERRORS = {400: ["BAD_QUERY: a query parameter is bad or unknown (`details` names each), or the "
                      "range is longer than the route allows"]}
# Every operation reads or writes the table (the guard of a signed-in route too): DynamoDB
# throttling or a transaction conflict that outlived the SDK's retries is answered 503 (chapchap/http/__init__.py).
BUSY_ERRORS = {503: ["SERVICE_BUSY: DynamoDB or S3 is busy; try again after Retry-After seconds"]}
PAGE_PARAMETERS = [
    {"name": "limit", "in": "query", "required": False, "description": "page size",
     "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
    {"name": "cursor", "in": "query", "required": False,
     "description": "`meta.next_cursor` of the previous page", "schema": {"type": "string"}},
]
HEADER_DESCRIPTIONS = {
    "idempotency-key": "Repeat a request safely: the same key (per user, for a day) returns the "
                       "first answer; the same key with another body is a 422.",
}


# ---------------------------------------------------------------- importing the handlers
@contextmanager
def import_environment():
    """Handlers import without AWS: dummy names and credentials where the caller set none (the
    local stack has set real ones when it serves the document). Undone afterwards, so a test
    process or a stack started from it never inherits them."""
    defaults = {
        "STAGE": "dev", "TABLE_NAME": "cvchapchap-docs", "BUCKET_NAME": "cvchapchap-docs",
        "PDF_QUEUE_URL": "http://127.0.0.1:9/queue/docs", "AWS_DEFAULT_REGION": "af-south-1",
        "AWS_REGION": "af-south-1", "AWS_ACCESS_KEY_ID": "docs", "AWS_SECRET_ACCESS_KEY": "docs",
        "POWERTOOLS_SERVICE_NAME": "cvchapchap", "POWERTOOLS_METRICS_NAMESPACE": "CvChapChap",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    added = [key for key in defaults if key not in os.environ]
    os.environ.update({key: defaults[key] for key in added})
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def _add_paths(fn: Function) -> None:
    for folder in [*reversed(fn.layers), fn.code_uri]:
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))


def handler_module(fn: Function):
    _add_paths(fn)
    module = sys.modules.get(fn.module_name)
    if module is not None:
        where = Path(getattr(module, "__file__", "") or "")
        if where.resolve() != fn.source_file.resolve():
            del sys.modules[fn.module_name]  # the same name from another CodeUri
    return importlib.import_module(fn.module_name)


# ---------------------------------------------------------------- what the source says
class Facts:
    """Who may call a route (the resolver's declared `auth_mode`, see chapchap.http.api) and
    what its source shows: calls to the response helpers and to `owner_of` (the caller)."""

    def __init__(self, func, auth_mode: str | None = None) -> None:
        self.auth_mode = auth_mode
        self.calls: set[str] = set()
        self.may_create = False
        self.status: int | None = None  # ok(..., status=<constant>)
        self.dynamic_status = False  # ok(..., status=<variable>): declare the statuses
        self.headers: list[str] = []
        self.sets_anonymous_header = False
        try:
            source = textwrap.dedent(inspect.getsource(func))
        except (OSError, TypeError):
            return
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and node.value.lower() == "x-anonymous-id":
                self.sets_anonymous_header = True
            if not isinstance(node, ast.Call):
                continue
            name = _called_name(node.func)
            if not name:
                continue
            self.calls.add(name)
            keywords = {k.arg: k.value for k in node.keywords if k.arg}
            if name == "owner_of" and _is_true(keywords.get("may_create")):
                self.may_create = True
            if name == "ok" and "status" in keywords:
                value = keywords["status"]
                if isinstance(value, ast.Constant) and isinstance(value.value, int):
                    self.status = value.value
                else:
                    self.dynamic_status = True
            if name == "header" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                self.headers.append(str(node.args[1].value))

    @property
    def bearer(self) -> bool:
        return self.auth_mode in ("user", "admin")

    @property
    def admin(self) -> bool:
        return self.auth_mode == "admin"

    @property
    def caller(self) -> bool:
        return self.auth_mode == "optional" and "owner_of" in self.calls

    @property
    def optional_user(self) -> bool:
        return self.auth_mode == "optional" and not self.caller

    @property
    def is_list(self) -> bool:
        return "page" in self.calls

    def success_status(self) -> int:
        if "created" in self.calls:
            return 201
        if "no_content" in self.calls and not ({"ok", "page"} & self.calls):
            return 204
        return self.status or 200

    def security(self) -> list[dict[str, list]]:
        if self.bearer:
            return [{"bearerAuth": []}]
        if self.caller:
            return [{"bearerAuth": []}, {"anonymousId": []}] + ([{}] if self.may_create else [])
        if self.optional_user:
            return [{"bearerAuth": []}, {}]
        return []

    def errors(self, *, method: str, has_body_model: bool, has_path_params: bool,
               has_query: bool = False) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        parts = []
        if self.bearer:
            parts += [AUTH_ERRORS] + ([ADMIN_ERRORS] if self.admin else [])
        elif self.caller:  # with may_create, a visitor with neither header gets a new id (no 401)
            parts.append({**CALLER_ERRORS, 401: [line for line in CALLER_ERRORS[401] if not line.startswith("UNAUTHORIZED")]}
                         if self.may_create else CALLER_ERRORS)
        elif self.optional_user:
            parts.append(OPTIONAL_USER_ERRORS)
        if has_body_model:
            parts.append(BODY_ERRORS)
        if method in BODY_METHODS:
            parts.append(LARGE_BODY)
        if "page_params" in self.calls or self.is_list:
            parts.append(PAGE_ERRORS)
        if has_query:
            parts.append(QUERY_ERRORS)
        if has_path_params:
            parts.append(PATH_ERRORS)
        parts.append(BUSY_ERRORS)
        for part in parts:
            for status, lines in part.items():
                found.setdefault(status, [])
                found[status] += [line for line in lines if line not in found[status]]
        return found


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def summary_of(module, method: str, path: str) -> tuple[str, str | None]:
    """Summary and description from the module docstring ("POST /api/x: does y." + more)."""
    doc = inspect.cleandoc(module.__doc__ or "")
    if not doc:
        return f"{method} {path}", None
    first, _, rest = doc.partition("\n\n")
    first = " ".join(first.split())
    prefix = re.match(r"^[A-Z]+(?:\s*/\s*[A-Z]+)*\s+/\S*\s*:\s*", first)
    if prefix:
        first = first[prefix.end():]
    first = first.rstrip(".")
    summary = first[:1].upper() + first[1:]
    return summary, (" ".join(rest.split()) or None)


# ---------------------------------------------------------------- models
def response_models() -> dict[str, type]:
    """Every pydantic model of chapchap.models, by class name (a name used twice is an error
    only when a route names it)."""
    import chapchap.models as package
    from pydantic import BaseModel

    found: dict[str, list[type]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseModel) and value.__module__ == module.__name__:
                found.setdefault(name, []).append(value)
    return {name: classes[0] if len(classes) == 1 else tuple(classes) for name, classes in found.items()}


def model_schemas(models: list[type]) -> dict[str, Any]:
    from pydantic.json_schema import models_json_schema

    _, top = models_json_schema([(m, "validation") for m in models], ref_template=REF + "{model}")
    return top.get("$defs", {})


# ---------------------------------------------------------------- matching template and handler
def _segments(path: str) -> list[str | None]:
    """Path segments, parameters as None (`{id}`, `<cv_id>` alike)."""
    return [None if re.fullmatch(r"[{<][^}>]+[}>]", s) else s for s in path.strip("/").split("/")]


def _param_names(path: str) -> list[str]:
    return re.findall(r"[{<]([^}>+]+)\+?[}>]", path)


def find_route(app, route: Route):
    """The Powertools route of `app` serving the template's route."""
    candidates = [r for r in [*getattr(app, "_static_routes", []), *getattr(app, "_dynamic_routes", [])]
                  if r.method in (route.method, "ANY") and _segments(r.openapi_path) == _segments(route.path)]
    return candidates[0] if candidates else None


# ---------------------------------------------------------------- building the document
def envelope(data_schema: dict, *, is_list: bool, meta: str | None = None) -> dict:
    properties = {"data": {"type": "array", "items": data_schema} if is_list else data_schema}
    required = ["data"]
    if is_list or meta:
        properties["meta"] = {"$ref": REF + (meta or "ListMeta")}
        required.append("meta")
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def operation_id(fn: Function, route: Route) -> str:
    """The route's name in OPERATION_IDS, else the function's logical id in camelCase."""
    named = OPERATION_IDS.get(f"{route.method} {route.path}")
    if named:
        return named
    base = fn.logical_id.removesuffix("Function") or fn.logical_id
    return base[:1].lower() + base[1:]


def envelope_name(data_model: str, *, is_list: bool) -> str:
    """The success envelope's schema name, from the model of its `data`: `CvData` (`{cv}`) ->
    `CvEnvelope`, a list of `Cv` -> `CvListEnvelope`, `Download` -> `DownloadEnvelope`."""
    base = data_model.removesuffix("[]")
    if base.endswith("Data") and base != "Data":
        base = base.removesuffix("Data")
    return f"{base}{'List' if is_list or data_model.endswith('[]') else ''}Envelope"


def _codes(lines: list[str]) -> list[str]:
    return [m.group(0) for line in lines if (m := re.match(r"[A-Z][A-Z0-9_]+", line))]


def _merge_lines(derived: list[str], declared: list[str]) -> list[str]:
    """Derived lines, then declared ones; a declared line replaces a derived one of its code."""
    declared_codes = set(_codes(declared))
    kept = [line for line in derived if not (set(_codes([line])) & declared_codes)]
    return kept + [line for line in declared if line not in kept]


def _describe(lines: list[str]) -> str:
    out = []
    for line in lines:
        code, sep, text = line.partition(":")
        out.append(f"- `{code.strip()}`: {text.strip()}" if sep and re.fullmatch(r"[A-Z][A-Z0-9_]+", code.strip())
                   else f"- {line}")
    return "\n".join(out)


def build_operation(fn: Function, route: Route, module, pt_route, pt_operation: dict,
                    wanted_models: set[str], envelopes: dict[str, dict]) -> dict:
    facts = Facts(pt_route.func, getattr(module.app, "auth_mode", None))
    template_params, handler_params = _param_names(route.path), _param_names(pt_route.openapi_path)
    rename = dict(zip(handler_params, template_params))

    parameters = []
    for param in pt_operation.get("parameters", []):
        param = dict(param)
        if param.get("in") == "path":
            param["name"] = rename.get(param["name"], param["name"])
            schema = dict(param.get("schema", {}))
            schema.pop("title", None)
            param["schema"] = schema
        parameters.append(param)
    if facts.is_list or "page_params" in facts.calls:
        parameters += [p for p in PAGE_PARAMETERS if p["name"] not in {q["name"] for q in parameters}]
    declared_query = declared_query_parameters(fn, pt_route)
    for param in declared_query:
        if param["name"] in {q["name"] for q in parameters}:
            raise SystemExit(f"{fn.logical_id}: query parameter {param['name']!r} is declared twice "
                             "(limit and cursor come with every list)")
        parameters.append(param)
    for name in facts.headers:
        spelled = "-".join(part.capitalize() for part in name.split("-"))
        parameters.append({"name": spelled, "in": "header", "required": False,
                           **({"description": HEADER_DESCRIPTIONS[name.lower()]}
                              if name.lower() in HEADER_DESCRIPTIONS else {}),
                           "schema": {"type": "string", "maxLength": 200}})

    # Responses: what the route declares (doc(); Powertools' default 200 and 422 are not ours),
    # then the derived success and errors.
    declared = {int(k): dict(v) for k, v in (pt_route.responses or {}).items()}
    success = {k: v for k, v in declared.items() if k < 400}
    derived_status = facts.success_status()
    if 0 in success:
        success[derived_status] = success.pop(0)
    if not success:
        if facts.dynamic_status:
            raise SystemExit(f"{fn.logical_id}: the handler answers ok(..., status=<variable>); declare its "
                             "statuses with responses=doc({200: ..., 202: ...}) (chapchap/http/apidoc.py)")
        success = {derived_status: {}}
    responses: dict[int, dict] = {}
    for status, declared_response in sorted(success.items()):
        description = declared_response.get("description") or HTTPStatus(status).phrase
        response: dict[str, Any] = {"description": description}
        if status != 204:
            name = declared_response.get(DATA_KEY) or ""
            data_schema: dict[str, Any] = {}
            if name:
                wanted_models.add(name.removesuffix("[]"))
                data_schema = {"$ref": REF + name.removesuffix("[]")}
                if name.endswith("[]"):
                    data_schema = {"type": "array", "items": data_schema}
            meta = declared_response.get(META_KEY)
            if meta:
                wanted_models.add(meta)
            schema = envelope(data_schema, is_list=facts.is_list, meta=meta)
            if name:
                # Named once in components: generated clients call it CvEnvelope, not
                # CreateCvResponse201. Two routes may share a name only with the same shape.
                named = envelope_name(name, is_list=facts.is_list)
                if envelopes.setdefault(named, schema) != schema:
                    raise SystemExit(f"{fn.logical_id}: the envelope {named!r} already has another shape "
                                     "(a different meta?); name the data model differently")
                schema = {"$ref": REF + named}
            response["content"] = {"application/json": {"schema": schema}}
        if status == 201 and facts.sets_anonymous_header:
            response["headers"] = {"X-Anonymous-Id": {
                "description": "a new anonymous id, when the request had neither token nor X-Anonymous-Id",
                "schema": {"type": "string", "format": "uuid"}}}
        responses[status] = response

    has_body_model = "requestBody" in pt_operation and bool(
        pt_operation["requestBody"].get("content", {}).get("application/json", {}).get("schema"))
    errors = facts.errors(method=route.method, has_body_model=has_body_model, has_path_params=bool(template_params),
                          has_query=bool(declared_query))
    for status, response in declared.items():
        if status >= 400:
            lines = [s.strip() for s in response.get("description", "").split(";") if s.strip()]
            # A route that answers its own 503 (health: UNAVAILABLE) catches the busy errors itself.
            errors[status] = lines if status == 503 else _merge_lines(errors.get(status, []), lines)
    for status in sorted(errors):
        lines = errors[status]
        response = {"description": f"{HTTPStatus(status).phrase}\n\n{_describe(lines)}".strip(),
                    "content": {"application/json": {"schema": {"$ref": REF + "ErrorEnvelope"}}},
                    "x-error-codes": sorted(set(_codes(lines)))}
        if status == 429 or "SERVICE_BUSY" in response["x-error-codes"]:
            response["headers"] = {"Retry-After": {"description": "seconds to wait",
                                                   "schema": {"type": "integer", "minimum": 1}}}
        responses[status] = response

    summary, description = summary_of(module, route.method, route.path)
    operation: dict[str, Any] = {"tags": [area_of(route.path)], "summary": summary}
    if description:
        operation["description"] = description
    operation["operationId"] = operation_id(fn, route)
    operation["x-function"] = fn.logical_id
    operation["security"] = facts.security()
    if parameters:
        operation["parameters"] = parameters
    if "requestBody" in pt_operation:
        operation["requestBody"] = pt_operation["requestBody"]
    operation["responses"] = {str(k): v for k, v in sorted(responses.items())}
    return operation


def declared_query_parameters(fn: Function, pt_route) -> list[dict]:
    """The `query=` of the route's doc(...), the same on each success status it names."""
    found: dict[str, dict] = {}
    for status, response in (pt_route.responses or {}).items():
        for param in response.get(QUERY_KEY) or []:
            if found.setdefault(param["name"], param) != param:
                raise SystemExit(f"{fn.logical_id}: two different query parameters {param['name']!r}")
    return [dict(p, schema=dict(p["schema"])) for p in found.values()]


def area_of(path: str) -> str:
    parts = [p for p in path.strip("/").split("/") if p]
    if parts and parts[0] == "api" and len(parts) > 1:
        return parts[1]
    return parts[0] if parts else "root"


def http_functions(template: Template) -> list[tuple[Function, list[Route]]]:
    found: dict[str, list[Route]] = {}
    for route in template.routes:
        found.setdefault(route.function_id, []).append(route)
    return [(template.functions[fid], routes) for fid, routes in found.items()]


def build_document(template: Template | None = None) -> dict[str, Any]:
    with import_environment():
        return _build_document(template or load_template())


def _build_document(template: Template) -> dict[str, Any]:
    paths: dict[str, dict[str, dict]] = {}
    schemas: dict[str, Any] = {}
    wanted: set[str] = {"ErrorEnvelope", "ListMeta"}
    envelopes: dict[str, dict] = {}
    operation_ids: dict[str, str] = {}
    for fn, routes in http_functions(template):
        module = handler_module(fn)
        app = getattr(module, "app", None)
        if app is None or not hasattr(app, "get_openapi_schema"):
            raise SystemExit(f"{fn.logical_id}: {fn.module_name} has no Powertools resolver `app`")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Powertools warns about duplicate operation ids across apps
            document = app.get_openapi_schema().model_dump(mode="json", by_alias=True, exclude_none=True)
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            if name in POWERTOOLS_SCHEMAS:
                continue
            if name in schemas and schemas[name] != schema:
                raise SystemExit(f"two different models are both called {name!r} ({fn.logical_id}); rename one")
            schemas[name] = schema
        for route in routes:
            pt_route = find_route(app, route)
            if pt_route is None:
                raise SystemExit(f"{fn.logical_id}: template.yaml routes {route.route_key} to "
                                 f"{fn.module_name}, whose app has no such route")
            pt_operation = document["paths"][pt_route.openapi_path][pt_route.method.lower()]
            path = paths.setdefault(route.path, {})
            if route.method.lower() in path:
                raise SystemExit(f"{route.route_key} is routed twice in template.yaml")
            built = build_operation(fn, route, module, pt_route, pt_operation, wanted, envelopes)
            earlier = operation_ids.setdefault(built["operationId"], route.route_key)
            if earlier != route.route_key:
                raise SystemExit(f"{route.route_key} and {earlier} both have the operationId "
                                 f"{built['operationId']!r}; name one in OPERATION_IDS (local/openapi.py)")
            path[route.method.lower()] = built

    models = response_models()
    chosen = []
    for name in sorted(wanted):
        model = models.get(name)
        if model is None:
            raise SystemExit(f"no model {name!r} in chapchap/models/ (named by responses=doc(...))")
        if isinstance(model, tuple):
            raise SystemExit(f"two models in chapchap/models/ are called {name!r}; rename one")
        chosen.append(model)
    for name, schema in model_schemas(chosen).items():
        if name in schemas and schemas[name] != schema:
            raise SystemExit(f"two different models are both called {name!r}; rename one")
        schemas[name] = schema
    for name, schema in envelopes.items():
        if name in schemas:
            raise SystemExit(f"the envelope {name!r} has the name of a model; rename the model")
        schemas[name] = schema

    from chapchap import __version__

    areas = sorted({area_of(p) for p in paths}, key=lambda a: (list(TAGS).index(a) if a in TAGS else len(TAGS), a))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": __version__, "description": DESCRIPTION},
        "servers": [
            {"url": "http://127.0.0.1:3000", "description": "the local stack (make dev)"},
            {"url": "https://{api_id}.execute-api.{region}.amazonaws.com",
             "description": "a deployed stack (the ApiUrl output of sam deploy)",
             "variables": {"api_id": {"default": "your-api-id"}, "region": {"default": "af-south-1"}}},
        ],
        "tags": [{"name": a, **({"description": TAGS[a]} if a in TAGS else {})} for a in areas],
        "paths": {p: {m: paths[p][m] for m in sorted(paths[p], key=METHOD_ORDER.index)} for p in sorted(paths)},
        "components": {
            "schemas": {k: schemas[k] for k in sorted(schemas)},
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.openapi", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when openapi.json is stale")
    parser.add_argument("--stdout", action="store_true", help="print the document instead of writing it")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write (default: openapi.json)")
    args = parser.parse_args(argv)
    text = render(build_document())
    if args.stdout:
        sys.stdout.write(text)
        return 0
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output.name} is stale: run `make openapi` and commit it", file=sys.stderr)
            return 1
        print(f"{args.output.name} is up to date")
        return 0
    args.output.write_text(text, encoding="utf-8")
    count = sum(len(v) for v in json.loads(text)["paths"].values())
    print(f"wrote {args.output} ({count} operations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
