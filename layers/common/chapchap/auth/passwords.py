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


ADMIN_MIN_LENGTH = 12
ADMIN_MIN_SCORE = 3  # zxcvbn: 0 too guessable ... 4 very unguessable; 3 resists an offline attack on a slow hash


def admin_password_problem(password: str, *, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why `password` is too weak for an administrator, or None when it will do.

    An admin account reaches every user's data and the money, so its password must be more
    than 8 characters: at least 12, and not guessable by zxcvbn's estimator, which knows the
    common-password lists (`password`, `12345678`, `Password123!`), dictionary words, keyboard
    walks, dates, l33t substitutions and the account's own email and name (`user_inputs`).
    Imported here, not at the top: only admin creation and admin password changes need it."""
    if len(password) < ADMIN_MIN_LENGTH:
        return f"must be at least {ADMIN_MIN_LENGTH} characters for an administrator"
    from zxcvbn import zxcvbn

    result = zxcvbn(password, user_inputs=[part for text in user_inputs for part in _words(text)])
    if result["score"] < ADMIN_MIN_SCORE:
        hint = result["feedback"].get("warning") or "it is too easy to guess"
        return f"is too easy to guess for an administrator ({hint.rstrip('.')}); use a longer passphrase"
    return None


def _words(text: str) -> list[str]:
    """An email or a name as the estimator's hints: the whole and its parts."""
    import re

    return [text, *[w for w in re.split(r"[^A-Za-z0-9]+", text) if len(w) > 2]]
