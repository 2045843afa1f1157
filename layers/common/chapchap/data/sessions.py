"""Sessions (refresh-token chains) and refresh tokens.

    USER#<id> / SESSION#<sid>   one per login: `current_hash` is the only refresh token of the
                                chain that may be used; `epoch` must equal the user's
                                `session_epoch` (a password change bumps it); `revoked`.
    REFRESH#<sha256> / REFRESH  every refresh token ever issued, until its TTL: finding an old
                                one whose hash is no longer the session's current one is reuse,
                                and revokes the chain.

Tokens are random (256 bits) and stored only as SHA-256 hashes.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any

from chapchap import clock
from chapchap.data import table
from chapchap.settings import settings


def session_key(user_id: str, session_id: str) -> tuple[str, str]:
    return f"USER#{user_id}", f"SESSION#{session_id}"


def refresh_key(token_hash: str) -> tuple[str, str]:
    return f"REFRESH#{token_hash}", "REFRESH"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _token_item(token_hash: str, user_id: str, session_id: str) -> dict[str, Any]:
    now = clock.now()
    expires = now + timedelta(seconds=settings().refresh_token_ttl)
    pk, sk = refresh_key(token_hash)
    return {"pk": pk, "sk": sk, "type": "refresh_token", "user_id": user_id, "session_id": session_id,
            "created_at": clock.iso(now), "expires_at": clock.iso(expires),
            "ttl": clock.epoch_seconds(expires) + 86400}


def start_ops(user_id: str, epoch: int) -> tuple[str, str, list[dict]]:
    """A new session and its first refresh token: (session_id, refresh_token, operations)."""
    session_id = str(uuid.uuid4())
    token = secrets.token_urlsafe(32)
    token_hash = hash_token(token)
    now = clock.now()
    expires = now + timedelta(seconds=settings().refresh_token_ttl)
    pk, sk = session_key(user_id, session_id)
    session = {"pk": pk, "sk": sk, "type": "session", "id": session_id, "user_id": user_id,
               "current_hash": token_hash, "epoch": epoch, "revoked": False,
               "created_at": clock.iso(now), "last_used_at": clock.iso(now),
               "ttl": clock.epoch_seconds(expires) + 86400}
    return session_id, token, [table.put_op(session, condition="attribute_not_exists(pk)"),
                               table.put_op(_token_item(token_hash, user_id, session_id))]


def rotate_ops(user_id: str, session_id: str, old_hash: str) -> tuple[str, list[dict]]:
    """Replace the chain's current token; fails if `old_hash` is no longer current (reuse)."""
    token = secrets.token_urlsafe(32)
    token_hash = hash_token(token)
    expires = clock.now() + timedelta(seconds=settings().refresh_token_ttl)
    ops = [
        table.update_op(*session_key(user_id, session_id),
                        "SET current_hash = :new, last_used_at = :now, #ttl = :ttl",
                        condition="current_hash = :old AND revoked = :no",
                        names={"#ttl": "ttl"}, new=token_hash, now=clock.now_iso(), old=old_hash,
                        no=False, ttl=clock.epoch_seconds(expires) + 86400),
        table.put_op(_token_item(token_hash, user_id, session_id)),
    ]
    return token, ops


def find_token(token: str) -> dict[str, Any] | None:
    return table.get(*refresh_key(hash_token(token)), consistent=True)


def revoke(user_id: str, session_id: str) -> None:
    try:
        table.update(*session_key(user_id, session_id), "SET revoked = :yes, revoked_at = :now",
                     condition="attribute_exists(pk)", yes=True, now=clock.now_iso())
    except table.ConditionFailed:
        pass


def restamp_op(user_id: str, session_id: str, epoch: int) -> dict:
    """Keep the current session alive across a password change (which bumps the epoch)."""
    return table.update_op(*session_key(user_id, session_id), "SET epoch = :epoch",
                           condition="attribute_exists(pk) AND revoked = :no", epoch=epoch, no=False)
