"""The contract: every reply of a real handler is documented in openapi.json for its
operation, and its body fits the documented schema (JSON Schema 2020-12, $refs resolved
against the document's components)."""
from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from local.openapi import OUTPUT
from local.template import load_template
from tests.support.apigw import ApiClient

TEMPLATE = load_template()
DOCUMENT = json.loads(OUTPUT.read_text(encoding="utf-8"))


def operation(method: str, path: str) -> dict:
    found = TEMPLATE.find_route(method, path)
    assert found, f"no route for {method} {path}"
    return DOCUMENT["paths"][found[0].path][method.lower()]


def resolve(schema: dict) -> dict:
    """A schema that is a $ref to a component, replaced by that component."""
    ref = schema.get("$ref", "")
    return DOCUMENT["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref.startswith("#/components/") else schema


def check_body(op: dict, status: int, body) -> None:
    """The response is documented for the operation and its body fits the schema."""
    responses = op["responses"]
    assert str(status) in responses, f"{op['operationId']} answered {status}, documented {sorted(responses)}: {body}"
    documented = responses[str(status)]
    if "content" not in documented:
        assert body in (None, ""), f"{op['operationId']} {status} should have no body"
        return
    schema = {**documented["content"]["application/json"]["schema"], "components": DOCUMENT["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(body), key=str)
    assert not errors, f"{op['operationId']} {status}: {errors[0].message} at {list(errors[0].absolute_path)}"
    codes = documented.get("x-error-codes")
    if codes:
        assert body["error"]["code"] in codes, f"{op['operationId']} {status}: {body['error']['code']} not in {codes}"


class CheckedApi(ApiClient):
    """Every reply is checked against the document; `seen` records (the operation's function, status)."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, int]] = set()

    def request(self, method, path, **kw):
        reply = super().request(method, path, **kw)
        op = operation(method, path)
        check_body(op, reply.status, reply.body)
        self.seen.add((op["x-function"], reply.status))
        return reply
