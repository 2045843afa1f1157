"""Who is calling: the user behind a Bearer token, checked against the stored user.

Every authenticated request reads the user and its session in one BatchGetItem, so a
suspended or deleted user, a demoted admin, a logged-out session or a password change
takes effect on the very next call rather than when the access token expires.
"""
from __future__ import annotations

from typing import Any

from chapchap.auth.tokens import decode_access_token
from chapchap.data import sessions, table, users
from chapchap.errors import Forbidden, Unauthorized


def bearer_token(headers: dict[str, str] | None) -> str | None:
    value = (headers or {}).get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(headers: dict[str, str] | None) -> dict[str, Any]:
    """The stored user (with `session_id`) or 401/403."""
    token = bearer_token(headers)
    if token is None:
        if (headers or {}).get("authorization"):
            raise Unauthorized("Use an 'Authorization: Bearer <token>' header.", code="INVALID_TOKEN")
        raise Unauthorized("Sign in to continue.", code="UNAUTHORIZED")
    claims = decode_access_token(token)
    user_key = users.user_key(claims["sub"])
    session_key = sessions.session_key(claims["sub"], claims["sid"])
    found = table.batch_get([user_key, session_key], consistent=True)
    user, session = found.get(user_key), found.get(session_key)
    if user is None or session is None or session.get("revoked") or session.get("epoch") != user.get("session_epoch"):
        raise Unauthorized("This session has ended. Please sign in again.", code="INVALID_TOKEN")
    if user.get("status") != "active":
        raise Forbidden("This account is suspended.", code="ACCOUNT_SUSPENDED")
    return {**user, "session_id": claims["sid"]}


def optional_user(headers: dict[str, str] | None) -> dict[str, Any] | None:
    """The caller when a Bearer token is sent (and valid), else None (anonymous)."""
    if not (headers or {}).get("authorization"):
        return None
    return authenticate(headers)


def require_admin(headers: dict[str, str] | None) -> dict[str, Any]:
    user = authenticate(headers)
    if user.get("role") != "admin":
        raise Forbidden("This needs an administrator account.", code="FORBIDDEN")
    return user
