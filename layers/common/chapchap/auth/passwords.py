"""bcrypt password hashes. Cost from settings: 12 in production, lower only in tests."""
from __future__ import annotations

from functools import cache

import bcrypt

from chapchap.settings import settings


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(settings().bcrypt_rounds)).decode("ascii")


@cache
def _dummy_hash() -> bytes:
    return bcrypt.hashpw(b"no such user", bcrypt.gensalt(settings().bcrypt_rounds))


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant work whether or not the account exists, so timing tells nothing."""
    candidate = password.encode("utf-8")
    if len(candidate) > 72:
        return False
    if not password_hash:
        bcrypt.checkpw(candidate, _dummy_hash())
        return False
    return bcrypt.checkpw(candidate, password_hash.encode("ascii"))
