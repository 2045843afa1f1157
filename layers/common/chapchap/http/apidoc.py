"""OpenAPI notes for a route decorator: plain data, nothing imported, nothing done at run time.

    @app.get("/api/payments/download/<cv_id>",
             responses=doc({200: "Download", 202: "Rendering"},
                           errors={402: "PAYMENT_REQUIRED: the CV is not paid for yet"}))

`data` names the model (in `chapchap/models/`) of the answer's `data`: one name for the
success status, or `{status: name}` when a route has several; `["Name"]` for a plain array
(a `page(...)` list is seen in the source and needs only the item's name). `errors` lists what only the
domain knows: `{status: "CODE: when"}` (or a list of them). `meta` names the model of the
answer's `meta` when it is not the lists' `ListMeta` (or when `ok(..., meta=...)` answers one).
`query` lists the query parameters the route's own parser reads, built with `param(...)`
(and the helpers of chapchap/http/queries.py) in the handler, from the parser's constants, so
the document and the parser share them (the page's
`limit`/`cursor` are added for every list and need no entry). Everything else comes from the
handler's source in `local/openapi.py`: the success status (`created` 201, `no_content`
204), lists (`page`), who may call (`authenticate`, `require_admin`, `owner_of`), and the
errors those imply (400, 401, 403, 404, 413, 422, 503). Powertools stores these responses on the
route and only reads them for `get_openapi_schema`.
"""
from __future__ import annotations

from typing import Any

DATA_KEY = "x-data"  # the response's data model name, replaced by a schema in the document
META_KEY = "x-meta"  # the response's meta model name
QUERY_KEY = "x-query"  # the route's query parameters (OpenAPI Parameter objects)


Name = str | list[str] | None  # "Cv", or ["Template"] for an array of them


def _name(name: Name) -> str | None:
    return f"{name[0]}[]" if isinstance(name, list) else name


def param(name: str, schema: dict[str, Any], description: str, *, required: bool = False) -> dict[str, Any]:
    """One query parameter: its JSON Schema must accept exactly what the parser accepts."""
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def doc(data: Name | dict[int, Name] = None, *,
        errors: dict[int, str | list[str]] | None = None, meta: str | None = None,
        query: list[dict[str, Any]] | None = None) -> dict[int, dict[str, Any]]:
    extra: dict[str, Any] = {}
    if meta:
        extra[META_KEY] = meta
    if query:
        extra[QUERY_KEY] = list(query)
    responses: dict[int, dict[str, Any]] = {}
    if isinstance(data, dict):
        for status, name in data.items():
            responses[status] = {"description": "", **({DATA_KEY: _name(name)} if name else {}), **extra}
    elif data or extra:
        # 0: the status the handler answers
        responses[0] = {"description": "", **({DATA_KEY: _name(data)} if data else {}), **extra}
    for status, codes in (errors or {}).items():
        lines = [codes] if isinstance(codes, str) else list(codes)
        responses[status] = {"description": "; ".join(lines)}
    return responses
