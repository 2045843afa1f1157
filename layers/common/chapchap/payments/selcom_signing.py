"""Selcom's request signing and the webhook's signature check (no I/O).

Every request carries `Authorization: SELCOM base64(api_key)`, `Timestamp` (ISO 8601 with
offset, formatted once in Africa/Dar_es_Salaam), `Digest-Method: HS256`, `Digest:
base64(HMAC_SHA256(api_secret, signing_string))` and `Signed-Fields` (the field names in
signing order). The signing string is `timestamp=<Timestamp>` then `&name=value` per field,
values as Python `str()` (no URL encoding, no sorting). The names are also reachable as
`chapchap.payments.selcom.<name>`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any, Mapping, Sequence
from zoneinfo import ZoneInfo

DIGEST_METHOD = "HS256"
SELCOM_TIMEZONE = "Africa/Dar_es_Salaam"

Fields = Sequence[tuple[str, Any]]


def format_timestamp(moment: datetime | None = None) -> str:
    """`2019-02-26T09:30:46+03:00`: seconds precision, in Dar es Salaam time, with offset."""
    zone = ZoneInfo(SELCOM_TIMEZONE)
    when = datetime.now(zone) if moment is None else moment.astimezone(zone)
    return when.replace(microsecond=0).isoformat()


def _items(fields: Fields | Mapping[str, Any]) -> list[tuple[str, Any]]:
    return list(fields.items()) if isinstance(fields, Mapping) else [(str(k), v) for k, v in fields]


def signing_string(timestamp: str, fields: Fields | Mapping[str, Any]) -> str:
    """`timestamp=<ts>&name=value...` in the given order, values as `str(value)`, unencoded."""
    return "timestamp=" + timestamp + "".join(f"&{name}={value}" for name, value in _items(fields))


def digest(api_secret: str, text: str) -> str:
    mac = hmac.new(api_secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


def authorization(api_key: str) -> str:
    return "SELCOM " + base64.b64encode(api_key.encode("utf-8")).decode("ascii")


def sign(api_key: str, api_secret: str, fields: Fields | Mapping[str, Any],
         timestamp: str | None = None) -> dict[str, str]:
    """The five Selcom headers for these fields. The timestamp is formatted once, used twice."""
    items = _items(fields)
    ts = timestamp or format_timestamp()
    return {
        "Authorization": authorization(api_key),
        "Timestamp": ts,
        "Digest-Method": DIGEST_METHOD,
        "Digest": digest(api_secret, signing_string(ts, items)),
        "Signed-Fields": ",".join(name for name, _ in items),
    }


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    wanted = name.lower()
    for key, value in (headers or {}).items():
        if str(key).lower() == wanted:
            return None if value is None else str(value)
    return None


def verify_webhook_signature(headers: Mapping[str, Any], body: Mapping[str, Any] | str | bytes,
                             api_key: str, api_secret: str, *,
                             max_skew_seconds: float | None = None) -> bool:
    """True when the webhook carries a valid Selcom signature over the fields it names.

    Signed-Fields come from the headers, the values from the JSON body (`str()` of each
    decoded value). Header names are matched case-insensitively (API Gateway lowercases
    them). `max_skew_seconds`, when given, also rejects a Timestamp that far from now.
    Never raises on malformed input: it is simply not a valid signature.
    """
    try:
        if isinstance(body, (str, bytes)):
            body = json.loads(body)
        if not isinstance(body, Mapping):
            return False
        auth = _header(headers, "Authorization")
        ts = _header(headers, "Timestamp")
        method = _header(headers, "Digest-Method")
        given = _header(headers, "Digest")
        signed = _header(headers, "Signed-Fields")
        if not (auth and ts and given and signed is not None):
            return False
        if method is not None and method.strip().upper() != DIGEST_METHOD:
            return False
        if not hmac.compare_digest(auth.strip().encode(), authorization(api_key).encode()):
            return False
        names = [n.strip() for n in signed.split(",") if n.strip()]
        if not names or any(n not in body for n in names):
            return False
        if max_skew_seconds is not None:
            moment = datetime.fromisoformat(ts.strip())
            if moment.tzinfo is None:
                return False
            if abs((datetime.now(moment.tzinfo) - moment).total_seconds()) > max_skew_seconds:
                return False
        expected = digest(api_secret, signing_string(ts, [(n, body[n]) for n in names]))
        return hmac.compare_digest(given.strip().encode(), expected.encode())
    except (ValueError, TypeError, UnicodeError):
        return False
