"""Throttling in fixed windows: login failures per email and per source IP, and payment
prompts per CV, per user and per phone that is not the account's.

    THROTTLE#<kind>#<value> / W#<window start>   `failures` (logins) or `hits` (payment
                                                 prompts) counter, TTL after the window

Fixed windows keep it to one BatchGetItem (shared with the email look-up) per login and one
transaction per failure; a payment prompt's counters are conditional writes inside the
transaction that creates the payment (no read at all). The cost: up to twice the limit across
a window boundary.
"""
from __future__ import annotations

from typing import Any

from chapchap import clock
from chapchap.data import table
from chapchap.settings import settings


def _window(size: int | None = None) -> tuple[int, int]:
    size = size or settings().login_window_seconds
    now = clock.epoch_seconds()
    start = now - now % size
    return start, start + size


def keys(email: str, ip: str) -> dict[str, tuple[str, str]]:
    start, _ = _window()
    return {"email": (f"THROTTLE#EMAIL#{email}", f"W#{start}"),
            "ip": (f"THROTTLE#IP#{ip}", f"W#{start}")}


def retry_after(found: dict[tuple[str, str], dict], email: str, ip: str) -> int | None:
    """Seconds until the caller may try again, or None when not throttled."""
    k = keys(email, ip)
    limits = {"email": settings().login_max_failures_per_email, "ip": settings().login_max_failures_per_ip}
    for kind, item_key in k.items():
        item: dict[str, Any] | None = found.get(item_key)
        if item and item.get("failures", 0) >= limits[kind]:
            return _window()[1] - clock.epoch_seconds()
    return None


def failure_ops(email: str, ip: str) -> list[dict]:
    _, end = _window()
    return [table.update_op(pk, sk, "ADD failures :one SET #ttl = :ttl", names={"#ttl": "ttl"},
                            one=1, ttl=end + 60)
            for pk, sk in keys(email, ip).values()]


def reset_email_op(email: str, ip: str) -> dict:
    return table.delete_op(*keys(email, ip)["email"])


# ---------------------------------------------------------------- counted actions
def hit_op(kind: str, value: str, *, limit: int, window_seconds: int) -> dict:
    """Count one action of `kind` by `value` in the current window, refused (the transaction
    fails at this operation) once `limit` were counted in it."""
    start, end = _window(window_seconds)
    return table.update_op(f"THROTTLE#{kind}#{value}", f"W#{start}", "ADD hits :one SET #ttl = :ttl",
                           condition="attribute_not_exists(hits) OR hits < :limit", names={"#ttl": "ttl"},
                           one=1, ttl=end + 60, limit=limit)


def seconds_left(window_seconds: int) -> int:
    """Seconds until the current window of this size ends (a refused action's Retry-After)."""
    return _window(window_seconds)[1] - clock.epoch_seconds()
