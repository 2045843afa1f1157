"""Login throttling: failures per email and per source IP in fixed windows.

    THROTTLE#<kind>#<value> / W#<window start>   `failures` counter, TTL after the window

Fixed windows keep it to one BatchGetItem (shared with the email look-up) per login and one
transaction per failure. The cost: up to twice the limit across a window boundary.
"""
from __future__ import annotations

from typing import Any

from chapchap import clock
from chapchap.data import table
from chapchap.settings import settings


def _window() -> tuple[int, int]:
    size = settings().login_window_seconds
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


# ---------------------------------------------------------------- counted requests
# The same fixed windows for other things counted per caller (password resets: requests per
# account and per address, wrong codes per address):
#     THROTTLE#<scope>#<kind>#<value> / W#<window start>   `hits` counter, TTL after the window
def scoped_keys(scope: str, values: dict[str, str]) -> dict[str, tuple[str, str]]:
    start, _ = _window()
    return {kind: (f"THROTTLE#{scope}#{kind.upper()}#{value}", f"W#{start}") for kind, value in values.items()}


def wait_for(found: dict[tuple[str, str], dict], keys: dict[str, tuple[str, str]],
             limits: dict[str, int]) -> int | None:
    """Seconds until the window ends when a counter of `keys` reached its limit, else None."""
    for kind, item_key in keys.items():
        item = found.get(item_key)
        if item and item.get("hits", 0) >= limits[kind]:
            return _window()[1] - clock.epoch_seconds()
    return None


def hit_ops(keys: dict[str, tuple[str, str]]) -> list[dict]:
    _, end = _window()
    return [table.update_op(pk, sk, "ADD hits :one SET #ttl = :ttl", names={"#ttl": "ttl"}, one=1, ttl=end + 60)
            for pk, sk in keys.values()]
