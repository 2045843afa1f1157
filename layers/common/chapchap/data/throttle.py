"""Throttling: growing delays per email and a failure cap per source IP for logins; payment
prompts per CV, per user and per phone that is not the account's.

    THROTTLE#EMAIL#<email> / DELAY        `failures` and `last_failure` (epoch seconds);
                                          TTL a day after the last failure
    THROTTLE#IP#<hash>     / W#<start>    login `failures` per source address in a fixed
                                          window, TTL after it (`address`: a keyed hash)
    THROTTLE#<kind>#<value> / W#<start>   payment prompt `hits` in a fixed window; also
                                          public share-link requests per keyed hash of the
                                          address (`PUBLICCV`: the address is never stored)

Per email, the first LOGIN_MAX_FAILURES_PER_EMAIL failures are free; each one after them asks
for a wait of 1, 2, 4, ... seconds from the last failure, at most LOGIN_MAX_DELAY_SECONDS. A
lock-out (the old rule: 15 minutes after 5 failures) let anyone who knew an email keep its
owner out; a short delay costs a guesser the same while the owner waits a minute at worst.
A successful sign-in deletes the item (and so must a future password reset). Attempts during
a delay are refused before the password is checked and are not counted.

Fixed windows keep the per-IP check to one BatchGetItem (shared with the email look-up) per
login and one transaction per failure; a payment prompt's counters are conditional writes
inside the transaction that creates the payment (no read at all). The cost: up to twice the
limit across a window boundary.
"""
from __future__ import annotations

import hashlib
import hmac
from functools import cache
from typing import Any

from chapchap import clock
from chapchap.data import table
from chapchap.secretstore import get_secret
from chapchap.settings import settings

EMAIL_STATE_DAYS = 1  # failures older than this (with none since) are forgotten


def _window(size: int | None = None) -> tuple[int, int]:
    size = size or settings().login_window_seconds
    now = clock.epoch_seconds()
    start = now - now % size
    return start, start + size


@cache
def _address_key(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), b"throttle-address", hashlib.sha256).digest()


def address(ip: str) -> str:
    """A source address as a throttle key holds it: an HMAC under a key derived from the
    token secret. Equal addresses give equal keys (the count works); the table never holds
    the address, and the 2^32 IPv4 addresses cannot be tried against a hash without the secret."""
    return hmac.new(_address_key(get_secret("jwt-secret")), ip.encode("utf-8", "replace"),
                    hashlib.sha256).hexdigest()[:32]


def keys(email: str, ip: str) -> dict[str, tuple[str, str]]:
    start, _ = _window()
    return {"email": (f"THROTTLE#EMAIL#{email}", "DELAY"),
            "ip": (f"THROTTLE#IP#{address(ip)}", f"W#{start}")}


def delay_after(failures: int) -> int:
    """Seconds to wait after the last of `failures` failures in a row."""
    free = settings().login_max_failures_per_email
    if failures < free:
        return 0
    return min(settings().login_max_delay_seconds, 2 ** min(failures - free, 30))


def retry_after(found: dict[tuple[str, str], dict], email: str, ip: str) -> int | None:
    """Seconds until the caller may try again, or None when not throttled."""
    k = keys(email, ip)
    now = clock.epoch_seconds()
    ip_item: dict[str, Any] | None = found.get(k["ip"])
    if ip_item and ip_item.get("failures", 0) >= settings().login_max_failures_per_ip:
        return _window()[1] - now
    email_item: dict[str, Any] | None = found.get(k["email"])
    if email_item:
        wait = int(email_item.get("last_failure", 0)) + delay_after(int(email_item.get("failures", 0))) - now
        if wait > 0:
            return wait
    return None


def failure_ops(email: str, ip: str) -> list[dict]:
    k = keys(email, ip)
    now = clock.epoch_seconds()
    _, end = _window()
    return [table.update_op(*k["email"], "ADD failures :one SET last_failure = :now, #ttl = :ttl",
                            names={"#ttl": "ttl"}, one=1, now=now, ttl=now + EMAIL_STATE_DAYS * 86400),
            table.update_op(*k["ip"], "ADD failures :one SET #ttl = :ttl", names={"#ttl": "ttl"},
                            one=1, ttl=end + 60)]


def reset_email_op(email: str, ip: str) -> dict:
    return table.delete_op(*keys(email, ip)["email"])


# ---------------------------------------------------------------- counted actions
def _hit_args(kind: str, value: str, limit: int, window_seconds: int) -> tuple[tuple, dict]:
    start, end = _window(window_seconds)
    return ((f"THROTTLE#{kind}#{value}", f"W#{start}", "ADD hits :one SET #ttl = :ttl"),
            {"condition": "attribute_not_exists(hits) OR hits < :limit", "names": {"#ttl": "ttl"},
             "one": 1, "ttl": end + 60, "limit": limit})


def hit_op(kind: str, value: str, *, limit: int, window_seconds: int) -> dict:
    """Count one action of `kind` by `value` in the current window, refused (the transaction
    fails at this operation) once `limit` were counted in it."""
    args, kwargs = _hit_args(kind, value, limit, window_seconds)
    return table.update_op(*args, **kwargs)


def hit(kind: str, value: str, *, limit: int, window_seconds: int) -> bool:
    """`hit_op` on its own (one UpdateItem): False, and nothing counted, once `limit` were
    counted in the current window (public share links, per keyed hash of the address)."""
    args, kwargs = _hit_args(kind, value, limit, window_seconds)
    try:
        table.update(*args, **kwargs)
    except table.ConditionFailed:
        return False
    return True


def seconds_left(window_seconds: int) -> int:
    """Seconds until the current window of this size ends (a refused action's Retry-After)."""
    return _window(window_seconds)[1] - clock.epoch_seconds()


# ---------------------------------------------------------------- counted requests
# The same fixed windows for other things counted per caller (password resets: requests per
# account and per address, wrong codes per address):
#     THROTTLE#<scope>#<kind>#<value> / W#<window start>   `hits` counter, TTL after the window
# (a source address goes in as `address(ip)`, never as itself).
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
