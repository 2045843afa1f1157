"""Transaction conflicts for moto's DynamoDB, as DynamoDB reports them.

moto applies writes one after the other and never conflicts; DynamoDB does. While a
TransactWriteItems is in progress its items are locked: another transaction naming one of
them is cancelled (TransactionCanceledException, one CancellationReason per operation:
`TransactionConflict` for the items that were busy, `None` for the others), and a PutItem,
UpdateItem or DeleteItem on one of them fails with TransactionConflictException. Two plain
writes on one item do not conflict (DynamoDB serialises them).

The emulator gives every write a duration, `hold` seconds: the request holds its items that
long (the caller waits, as for a real round trip) and the checks above apply to anything
arriving meanwhile. A plain write holds its item as well, so a transaction meeting an
ongoing plain write is cancelled too: stricter than DynamoDB documents, never laxer.

Off by default. `install()` patches moto's backend once (idempotent); `enable(hold)` /
`disable()` switch it at run time; `from_env()` reads LOCAL_DDB_CONFLICTS (`20ms`, `0.02`,
`0.02s`, `off`) for the local stack. `STATS` counts what it refused, so a test or the load
benchmark can show that conflicts happened.
"""
from __future__ import annotations

import itertools
import json
from collections import Counter
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

BUSY = "Transaction is ongoing for the item"


@dataclass
class Stats:
    transactions: int = 0
    writes: int = 0
    cancelled: int = 0  # transactions cancelled with TransactionConflict
    refused: int = 0    # plain writes refused with TransactionConflictException
    items: Counter = field(default_factory=Counter)  # partition key -> conflicts met on it
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            return {"transactions": self.transactions, "writes": self.writes,
                    "cancelled": self.cancelled, "refused": self.refused}

    def reset(self) -> None:
        with self.lock:
            self.transactions = self.writes = self.cancelled = self.refused = 0
            self.items.clear()

    def hottest(self, n: int = 5) -> list[tuple[str, int]]:
        with self.lock:
            return self.items.most_common(n)


STATS = Stats()
_hold: float | None = None
_lock = threading.Lock()
_held: dict[tuple, list[tuple[int, float, bool]]] = {}  # item -> [(owner, until, is_transaction)]
_owners = itertools.count(1)
_applying: set[int] = set()  # owners whose write moto is applying now
_inside = threading.local()  # moto's transaction writes its items through put_item & co.
defer_wait = False


def settle() -> None:
    """Wait out this thread's last deferred request (see `_release`)."""
    until, _inside.wait_until = getattr(_inside, "wait_until", 0.0), 0.0
    time.sleep(max(0.0, until - time.monotonic()))


def parse(value: str | None) -> float | None:
    """`20ms`, `0.02s` or `0.02` -> 0.02 seconds; empty, `0` or `off` -> None (off)."""
    text = (value or "").strip().lower()
    if text in ("", "0", "off", "no", "false"):
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s)?", text)
    if not match:
        raise ValueError(f"LOCAL_DDB_CONFLICTS must look like 20ms or 0.02s, not {value!r}")
    seconds = float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)
    return seconds or None


def enable(hold: float = 0.02) -> None:
    global _hold
    install()
    _hold = float(hold)


def disable() -> None:
    global _hold, defer_wait
    _hold, defer_wait = None, False
    with _lock:
        _held.clear()
        _applying.clear()


def enabled() -> bool:
    return _hold is not None


def hold() -> float | None:
    return _hold


def from_env() -> float | None:
    """Switch on from LOCAL_DDB_CONFLICTS; returns the hold in seconds (None: off)."""
    hold = parse(os.environ.get("LOCAL_DDB_CONFLICTS"))
    if hold:
        enable(hold)
    return hold


# ---------------------------------------------------------------- the errors
def _errors():
    from moto.dynamodb.exceptions import DynamodbException, TransactionCanceledException

    class TransactionConflictException(DynamodbException):
        error_type = "com.amazonaws.dynamodb.v20120810#TransactionConflictException"

        def __init__(self) -> None:
            super().__init__(self.error_type, message=BUSY)

    return TransactionCanceledException, TransactionConflictException


# ---------------------------------------------------------------- item keys
def _item_key(backend, table_name: str, op: dict[str, Any]) -> tuple | None:
    try:
        table = backend.get_table(table_name)
    except Exception:  # noqa: BLE001 - no such table: moto's own checks answer it
        return None
    source = op.get("Key") or op.get("Item") or {}
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return (table_name, *(json.dumps(source.get(name), sort_keys=True) for name in names))


def _pk(key: tuple) -> str:
    value = json.loads(key[1]) if key and key[1] != "null" else {}
    return next(iter(value.values()), "?") if isinstance(value, dict) else "?"


def _busy(key: tuple, now: float, owner: int, transaction: bool) -> bool:
    """Held by someone else: any hold stops a transaction, a transaction's hold stops a write.
    A hold lasts `hold` seconds, and as long as moto is still applying its write: on a busy
    machine that takes longer, and moto's items are not isolated from another write meanwhile."""
    return any(other != owner and (until > now or other in _applying) and (transaction or held_by_transaction)
               for other, until, held_by_transaction in _held.get(key, ()))


def _take(keys: list[tuple | None], transaction: bool) -> tuple[int, float, list[bool]]:
    """Check the items and hold the free ones at once (one lock: no gap between the two)."""
    owner, now = next(_owners), time.monotonic()
    with _lock:
        for key in [k for k in _held if all(until <= now and o not in _applying for o, until, _ in _held[k])]:
            del _held[key]
        busy = [key is not None and _busy(key, now, owner, transaction) for key in keys]
        if not any(busy):
            _applying.add(owner)
            for key in keys:
                if key is not None:
                    _held.setdefault(key, []).append((owner, now + (_hold or 0), transaction))
    return owner, now, busy


def _release(keys: list[tuple | None], owner: int, started: float) -> None:
    with _lock:
        _applying.discard(owner)
    # The request lasts `hold`: the caller waits it out, as for a real round trip. With
    # `defer_wait` (moto serialised in-process), the wait happens in `settle()` once the
    # caller left the serialising lock; the holds expire by their time meanwhile.
    if defer_wait:
        _inside.wait_until = max(getattr(_inside, "wait_until", 0.0), started + (_hold or 0))
        return
    time.sleep(max(0.0, started + (_hold or 0) - time.monotonic()))
    with _lock:
        for key in keys:
            if key in _held:
                _held[key] = [h for h in _held[key] if h[0] != owner]
                if not _held[key]:
                    del _held[key]


# ---------------------------------------------------------------- the patch
def install() -> None:
    """Wrap moto's TransactWriteItems, PutItem, UpdateItem and DeleteItem (once)."""
    from moto.dynamodb import models

    from local.aws import lighter_transactions

    backend = models.DynamoDBBackend
    if getattr(backend, "_conflicts_installed", False):
        return
    # Ours outermost: a transaction refused here never reaches the backup-and-restore of
    # lighter_transactions, whose restore would otherwise put back stale items.
    lighter_transactions()
    cancelled_error, conflict_error = _errors()
    original_transact = backend.transact_write_items

    def transact_write_items(self, transact_items):
        if _hold is None or not isinstance(transact_items, list) or getattr(_inside, "active", False):
            return original_transact(self, transact_items)
        keys = []
        for entry in transact_items:
            try:
                _, op = next(iter(entry.items()))
                keys.append(_item_key(self, op.get("TableName"), op))
            except Exception:  # noqa: BLE001 - malformed: moto's own checks answer it
                keys.append(None)
        owner, started, busy = _take(keys, transaction=True)
        with STATS.lock:
            STATS.transactions += 1
            STATS.cancelled += any(busy)
            STATS.items.update(_pk(k) for k, b in zip(keys, busy) if b)
        if any(busy):
            raise cancelled_error([("TransactionConflict", BUSY, None) if b else (None, None, None) for b in busy])
        _inside.active = True
        try:
            return original_transact(self, transact_items)
        finally:
            _inside.active = False
            _release(keys, owner, started)

    def plain(name: str, key_argument: str):
        original = getattr(backend, name)

        def write(self, table_name, *args, **kwargs):
            if _hold is None or getattr(_inside, "active", False):
                return original(self, table_name, *args, **kwargs)
            source = kwargs.get(key_argument, args[0] if args else {})
            keys = [_item_key(self, table_name, {"Key": source})]
            owner, started, busy = _take(keys, transaction=False)
            with STATS.lock:
                STATS.writes += 1
                STATS.refused += busy[0]
                STATS.items.update(_pk(k) for k, b in zip(keys, busy) if b)
            if busy[0]:
                raise conflict_error()
            try:
                return original(self, table_name, *args, **kwargs)
            finally:
                _release(keys, owner, started)

        write.__name__ = name
        setattr(backend, name, write)

    transact_write_items._lighter = True  # it wraps lighter_transactions: not to be wrapped again
    backend.transact_write_items = transact_write_items
    plain("put_item", "item_attrs")
    plain("update_item", "key")
    plain("delete_item", "key")
    backend._conflicts_installed = True
