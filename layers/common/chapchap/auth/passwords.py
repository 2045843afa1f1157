"""bcrypt password hashes. Cost from settings: 12 in production, lower only in tests.

bcrypt is imported on first use: functions that import the accounts module but never
check a password (refresh, logout, profile updates) do not load it at cold start.
"""
from __future__ import annotations

from functools import cache

from chapchap.settings import settings


def _bcrypt():
    import bcrypt

    return bcrypt


def hash_password(password: str) -> str:
    bcrypt = _bcrypt()
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(settings().bcrypt_rounds)).decode("ascii")


@cache
def _dummy_hash() -> bytes:
    bcrypt = _bcrypt()
    return bcrypt.hashpw(b"no such user", bcrypt.gensalt(settings().bcrypt_rounds))


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant work whether or not the account exists, so timing tells nothing."""
    bcrypt = _bcrypt()
    candidate = password.encode("utf-8")
    if len(candidate) > 72:
        return False
    if not password_hash:
        bcrypt.checkpw(candidate, _dummy_hash())
        return False
    return bcrypt.checkpw(candidate, password_hash.encode("ascii"))
