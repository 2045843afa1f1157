"""Selcom's webhook as the edge reads it: the body parsed strictly (anything that is not JSON
is recorded as sent, then ignored), the headers kept for the record and those Selcom signs
with. The domain (chapchap.payments.webhook) gets a `Callback` value."""
from __future__ import annotations

from typing import Any

from chapchap.errors import ApiError
from chapchap.http import parse_json, safe_text, text_body
from chapchap.payments.webhook import Callback

# What the record of a call keeps: enough to debug a delivery, no credential.
RECORDED_HEADERS = ("content-type", "user-agent", "timestamp", "digest-method", "digest", "signed-fields",
                    "x-forwarded-for")
SIGNATURE_HEADERS = ("authorization", "timestamp", "digest-method", "digest", "signed-fields")


def selcom_callback(event: Any) -> Callback:
    body = text_body(event)
    try:
        data = parse_json(body) if body else {}
    except ApiError:  # not JSON, NaN or half a surrogate pair: recorded as sent, then ignored
        data = {}
    headers = dict(event.headers or {})
    return Callback(body=safe_text(body or ""), data=data,
                    headers={k: safe_text(str(v)) for k, v in headers.items() if k.lower() in RECORDED_HEADERS},
                    signature_headers={k: v for k, v in headers.items() if k.lower() in SIGNATURE_HEADERS})
