"""Opaque, tamper-proof pagination cursors.

A cursor is base64url(JSON of DynamoDB's LastEvaluatedKey and a scope) + "." + an HMAC.
The scope names the list and its owner, so a cursor from one user's list cannot be
replayed against another's; anything forged or garbled is a 400, never a 500.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from chapchap.errors import BadRequest
from chapchap.secretstore import get_secret


def _key() -> bytes:
    return hmac.new(get_secret("jwt-secret").encode("utf-8"), b"pagination-cursor", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(last_key: dict[str, Any] | None, scope: str) -> str | None:
    if not last_key:
        return None
    payload = json.dumps({"k": last_key, "s": scope}, separators=(",", ":"), sort_keys=True).encode()
    signature = hmac.new(_key(), payload, hashlib.sha256).digest()[:18]
    return f"{_b64(payload)}.{_b64(signature)}"


def decode(cursor: str | None, scope: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    bad = BadRequest("The cursor is not valid for this list. Start again without it.", code="BAD_CURSOR")
    try:
        payload_part, signature_part = cursor.split(".", 1)
        payload, signature = _unb64(payload_part), _unb64(signature_part)
    except (ValueError, TypeError):
        raise bad from None
    expected = hmac.new(_key(), payload, hashlib.sha256).digest()[:18]
    if not hmac.compare_digest(signature, expected):
        raise bad
    try:
        data = json.loads(payload)
    except ValueError:
        raise bad from None
    if not isinstance(data, dict) or data.get("s") != scope or not isinstance(data.get("k"), dict):
        raise bad
    return data["k"]
