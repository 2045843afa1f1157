"""Password resets: one live reset per account, its secret stored only as a salted hash.

    USER#<user id> / RESET       the account's reset: `channel` (sms: a 6-digit code; email: a
                                 link token), `salt`, `secret_hash` (SHA-256 of salt + secret),
                                 `attempts` (wrong codes), `expires_at` (15 minutes), `used_at`;
                                 TTL a day. A new request replaces it.
    RESETDECOY#<sha256 of the identifier> / RESET
                                 what a request for an unknown email or number writes instead:
                                 the same item, so both take the same writes and time

A code is worth little outside its 15 minutes and 5 tries, so a fast salted hash is enough
(and the same cost for every request).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from chapchap import clock
from chapchap.data import table

LIFETIME = timedelta(minutes=15)
MAX_WRONG = 5


def reset_key(user_id: str) -> tuple[str, str]:
    return f"USER#{user_id}", "RESET"


def decoy_key(identifier: str) -> tuple[str, str]:
    return f"RESETDECOY#{hashlib.sha256(identifier.encode()).hexdigest()}", "RESET"


def digest(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


def matches(item: dict[str, Any], secret: str) -> bool:
    return hmac.compare_digest(item.get("secret_hash", ""), digest(item.get("salt", ""), secret))


def new_op(key: tuple[str, str], *, reset_id: str, user_id: str | None, channel: str, secret: str) -> dict:
    moment = clock.now()
    salt = secrets.token_hex(16)
    return table.put_op({"pk": key[0], "sk": key[1], "type": "password_reset", "id": reset_id,
                         "user_id": user_id, "channel": channel, "salt": salt,
                         "secret_hash": digest(salt, secret), "attempts": 0, "created_at": clock.iso(moment),
                         "expires_at": clock.iso(moment + LIFETIME),
                         "ttl": clock.epoch_seconds(moment + timedelta(days=1))})


def get(user_id: str) -> dict[str, Any] | None:
    return table.get(*reset_key(user_id), consistent=True)


def get_decoy(identifier: str) -> dict[str, Any] | None:
    return table.get(*decoy_key(identifier), consistent=True)


def usable(item: dict[str, Any] | None, channel: str) -> bool:
    return bool(item) and item.get("user_id") and item.get("channel") == channel and not item.get("used_at") \
        and int(item.get("attempts", 0)) < MAX_WRONG and item["expires_at"] > clock.now_iso()


def wrong_attempt(item: dict[str, Any]) -> None:
    """Count a wrong code (the fifth ends the reset); a reset replaced meanwhile is left alone."""
    try:
        table.update(item["pk"], item["sk"], "ADD attempts :one", condition="id = :id AND attempts < :max",
                     one=1, id=item["id"], max=MAX_WRONG)
    except table.ConditionFailed:
        pass


def use_op(item: dict[str, Any]) -> dict:
    """Spend the reset: only this reset, unused, not ended by wrong codes, not expired."""
    return table.update_op(item["pk"], item["sk"], "SET used_at = :now",
                           condition="id = :id AND attribute_not_exists(used_at) AND attempts < :max "
                                     "AND expires_at > :now",
                           id=item["id"], max=MAX_WRONG, now=clock.now_iso())
