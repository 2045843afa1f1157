"""Request bodies of admin routes, read after the admin check.

Powertools' validation runs before the handler, so a non-admin sending a bad body would learn
the body's rules (422) before being refused (403). Admin handlers therefore take no body
model in their signature: they check the caller first, then read the body here, with the same
400 / 422 answers as everywhere else.
"""
from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from chapchap.errors import ValidationFailed
from chapchap.http import parse_json

Model = TypeVar("Model", bound=BaseModel)


def read(event, model: type[Model]) -> Model:
    """The JSON body of `event` as `model`: 400 MALFORMED_JSON, 422 VALIDATION_FAILED with a
    `details` entry per field."""
    text = event.decoded_body or ""
    data = parse_json(text) if text.strip() else None
    if not isinstance(data, dict):
        raise ValidationFailed("Validation failed: body: must be a JSON object",
                               details=[{"field": "body", "location": "body", "message": "must be a JSON object",
                                         "type": "model_type"}])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [{"field": ".".join(map(str, e["loc"])) or "body", "location": "body", "message": e["msg"],
                    "type": e["type"]} for e in exc.errors()]
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:3])
        raise ValidationFailed(f"Validation failed: {summary}", details=details) from None
