"""The simulator's own reading of Selcom's signing scheme (deliberately independent of chapchap).

What the documentation says, restated here so that a mistake in our client shows up as a
401 instead of being mirrored:

    Authorization  = "SELCOM " + base64(api_key)
    Timestamp      = ISO 8601 with an offset, e.g. 2019-02-26T09:30:46+03:00
    Digest-Method  = HS256
    Signed-Fields  = field names, comma separated, in signing order
    Digest         = base64(HMAC-SHA256(api_secret, "timestamp=<Timestamp>&f1=v1&f2=v2..."))

Values are the plain text of each field (Python ``str`` of the decoded JSON value; the
query string value for GET/DELETE), without URL-encoding and without sorting.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta, timezone

DAR_ES_SALAAM = timezone(timedelta(hours=3), "EAT")  # no DST in Tanzania

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?"
    r"(Z|[+-]\d{2}:?\d{2})")


class SignatureProblem(Exception):
    """Why a request's authentication headers were refused (a message safe to return)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def authorization_for(api_key: str) -> str:
    return "SELCOM " + _b64(api_key.encode("utf-8"))


def text_to_sign(timestamp: str, pairs: list[tuple[str, object]]) -> str:
    parts = ["timestamp=" + timestamp]
    parts.extend(name + "=" + str(value) for name, value in pairs)
    return "&".join(parts)


def hmac_digest(secret: str, message: str) -> str:
    return _b64(hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest())


def parse_timestamp(text: str) -> datetime | None:
    """An aware datetime, or None when the text is not ISO 8601 with an offset."""
    match = _TIMESTAMP.fullmatch((text or "").strip())
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    if offset == "Z":
        zone = timezone.utc
    else:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 14 or minutes > 59:
            return None
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=zone)
    except ValueError:
        return None


def now_timestamp() -> str:
    return datetime.now(DAR_ES_SALAAM).replace(microsecond=0).isoformat()


def make_headers(api_key: str, api_secret: str, pairs: list[tuple[str, object]],
                 timestamp: str | None = None) -> dict[str, str]:
    """The five headers the simulator puts on its webhooks."""
    stamp = timestamp or now_timestamp()
    return {
        "Authorization": authorization_for(api_key),
        "Timestamp": stamp,
        "Digest-Method": "HS256",
        "Digest": hmac_digest(api_secret, text_to_sign(stamp, pairs)),
        "Signed-Fields": ",".join(name for name, _ in pairs),
    }


def check_request(headers, fields: dict, *, keys: dict[str, str], max_skew: float,
                  now: datetime | None = None) -> list[str]:
    """Verify a request's five headers against its fields; return the signed field names.

    `keys` maps api key to api secret. Raises SignatureProblem with a message that never
    repeats a secret.
    """
    auth = (headers.get("Authorization") or "").strip()
    if not auth:
        raise SignatureProblem("Missing Authorization header")
    scheme, _, token = auth.partition(" ")
    if scheme != "SELCOM" or not token.strip():
        raise SignatureProblem("Authorization must be 'SELCOM <base64 api key>'")
    try:
        api_key = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise SignatureProblem("Authorization token is not base64") from None
    secret = keys.get(api_key)
    if secret is None:
        raise SignatureProblem("Unknown API key")

    method = (headers.get("Digest-Method") or "").strip()
    if method != "HS256":
        raise SignatureProblem("Digest-Method must be HS256")

    stamp = headers.get("Timestamp")
    if not stamp:
        raise SignatureProblem("Missing Timestamp header")
    moment = parse_timestamp(stamp)
    if moment is None:
        raise SignatureProblem("Timestamp is not ISO 8601 with a UTC offset")
    current = now or datetime.now(timezone.utc)
    if abs((current - moment).total_seconds()) > max_skew:
        raise SignatureProblem("Timestamp is too far from the gateway's clock")

    listed = headers.get("Signed-Fields")
    if listed is None or not listed.strip():
        raise SignatureProblem("Missing Signed-Fields header")
    names = [name.strip() for name in listed.split(",")]
    if any(not name for name in names):
        raise SignatureProblem("Signed-Fields has an empty field name")
    if len(set(names)) != len(names):
        raise SignatureProblem("Signed-Fields lists a field twice")
    absent = [name for name in names if name not in fields]
    if absent:
        raise SignatureProblem(f"Signed-Fields lists fields absent from the request: {', '.join(absent)}")

    given = (headers.get("Digest") or "").strip()
    if not given:
        raise SignatureProblem("Missing Digest header")
    expected = hmac_digest(secret, text_to_sign(stamp, [(name, fields[name]) for name in names]))
    if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("ascii")):
        raise SignatureProblem("Invalid signature")
    return names
