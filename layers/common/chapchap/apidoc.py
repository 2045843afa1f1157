"""OpenAPI notes for a route decorator: plain data, nothing imported, nothing done at run time.

    @app.get("/api/payments/download/<cv_id>",
             responses=doc({200: "Download", 202: "Rendering"},
                           errors={402: "PAYMENT_REQUIRED: the CV is not paid for yet"}))

`data` names the model (in `chapchap/models/`) of the answer's `data`: one name for the
success status, or `{status: name}` when a route has several; `["Name"]` for a plain array
(a `page(...)` list is seen in the source and needs only the item's name). `errors` lists what only the
domain knows: `{status: "CODE: when"}` (or a list of them). Everything else comes from the
handler's source in `local/openapi.py`: the success status (`created` 201, `no_content`
204), lists (`page`), who may call (`authenticate`, `require_admin`, `cvs.caller`), and the
errors those imply (400, 401, 403, 404, 413, 422). Powertools stores these responses on the
route and only reads them for `get_openapi_schema`.
"""
from __future__ import annotations

from typing import Any

DATA_KEY = "x-data"  # the response's data model name, replaced by a schema in the document


Name = str | list[str] | None  # "Cv", or ["Template"] for an array of them


def _name(name: Name) -> str | None:
    return f"{name[0]}[]" if isinstance(name, list) else name


def doc(data: Name | dict[int, Name] = None, *,
        errors: dict[int, str | list[str]] | None = None) -> dict[int, dict[str, Any]]:
    responses: dict[int, dict[str, Any]] = {}
    if isinstance(data, dict):
        for status, name in data.items():
            responses[status] = {"description": "", **({DATA_KEY: _name(name)} if name else {})}
    elif data:
        responses[0] = {"description": "", DATA_KEY: _name(data)}  # 0: the status the handler answers
    for status, codes in (errors or {}).items():
        lines = [codes] if isinstance(codes, str) else list(codes)
        responses[status] = {"description": "; ".join(lines)}
    return responses
