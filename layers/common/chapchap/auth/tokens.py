"""Access tokens: JWT HS256 with sub, role, sid, exp, iat, jti; the algorithm is pinned."""
from __future__ import annotations

import uuid
from typing import Any

import jwt

from chapchap import clock
from chapchap.errors import Unauthorized
from chapchap.secretstore import get_secret
from chapchap.settings import settings

ALGORITHM = "HS256"
ISSUER = "cvchapchap"


def _key() -> str:
    return get_secret("jwt-secret")


def issue_access_token(user_id: str, role: str, session_id: str) -> tuple[str, int]:
    now = clock.epoch_seconds()
    ttl = settings().access_token_ttl
    claims = {"sub": user_id, "role": role, "sid": session_id, "iss": ISSUER,
              "iat": now, "exp": now + ttl, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, _key(), algorithm=ALGORITHM), ttl


def decode_access_token(token: str) -> dict[str, Any]:
    try:
        return jwt.decode(token, _key(), algorithms=[ALGORITHM], issuer=ISSUER,
                          options={"require": ["sub", "sid", "exp", "iat", "jti"]})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The access token has expired.", code="TOKEN_EXPIRED") from None
    except jwt.PyJWTError:
        raise Unauthorized("The access token is not valid.", code="INVALID_TOKEN") from None
