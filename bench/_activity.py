"""Business activity at volume, for the benchmarks that need a big table.

Thousands of sign-ups through the handlers would take minutes (a bcrypt hash and a
transaction each), so the items are built by the product's own constructors
(users.new_user/create_ops, cvs.new_cv, payments.new_payment/completion_op,
counters.active_marker_op/download_op) at frozen instants spread over a business day, and
written with BatchWriteItem. What is skipped is the live counters' arithmetic, which
neither the rollup nor the per-request reads depend on.
"""
from __future__ import annotations

import itertools
import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterator

from chapchap.templates.catalog import STARTER_TEMPLATES

TEMPLATE_IDS = [t["id"] for t in STARTER_TEMPLATES]
PRICE = 5000
_serial = itertools.count(1)


@dataclass
class Volume:
    """One day's activity: sign-ups (each active that day), CVs, completed payments, downloads."""
    signups: int
    cvs: int
    payments: int
    downloads: int

    @classmethod
    def of(cls, n: int) -> "Volume":
        return cls(signups=n, cvs=n, payments=max(1, n // 2) if n else 0, downloads=n // 4)

    @property
    def rolled_up_items(self) -> int:
        """Items of the day the rollup reads: users, CVs, completions, downloads, active markers."""
        return self.signups + self.cvs + self.payments + self.downloads + self.signups


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    from chapchap import clock

    real = clock.now
    clock.now = lambda: moment
    try:
        yield
    finally:
        clock.now = real


def _put(op: dict[str, Any]) -> dict[str, Any]:
    return {"PutRequest": {"Item": op["Put"]["Item"]}}


def write(requests: list[dict[str, Any]]) -> int:
    """BatchWriteItem in chunks of 25, retrying what DynamoDB hands back."""
    from chapchap.data import table

    client, name = table.client(), table.table_name()
    for start in range(0, len(requests), 25):
        pending = {name: requests[start:start + 25]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return len(requests)


def day_of_activity(day: date, volume: Volume, *, rng: random.Random, until: datetime | None = None) -> int:
    """Write one business day's activity (instants before `until` if given); returns the
    number of items written."""
    from chapchap import clock
    from chapchap.data import counters, cvs, payments, users
    from chapchap.data.cvs import Owner

    start, end = clock.business_day_bounds(day)
    if until is not None:
        end = min(end, until)
    span = max(1, int((end - start).total_seconds()) - 1)

    def instant() -> datetime:
        return start + timedelta(seconds=rng.randrange(span))

    requests: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    for _ in range(volume.signups):
        with frozen(instant()):
            n = next(_serial)
            user = users.new_user(email=f"volume-{n}@example.com", full_name=f"Volume User {n}",
                                  password_hash="x", phone_number=None)
            requests += [_put(op) for op in users.create_ops(user)]
            requests.append(_put(counters.active_marker_op(user["id"], day)))
        people.append(user)
    made: list[dict[str, Any]] = []
    for i in range(volume.cvs):
        owner = people[i % len(people)] if people else None
        with frozen(instant()):
            cv = cvs.new_cv(owner=Owner("user", owner["id"]) if owner else Owner("anon", f"anon-{i}"),
                            template_id=rng.choice(TEMPLATE_IDS), title="CV", content={"basics": {"name": "V"}})
        requests.append({"PutRequest": {"Item": _serialize(cv)}})
        made.append(cv)
    for i in range(volume.payments):
        cv = made[i % len(made)]
        buyer = people[i % len(people)] if people else {"id": "anon", "email": "a@example.com", "full_name": "A"}
        moment = instant()
        with frozen(moment):
            payment = payments.new_payment(reference=payments.new_reference(), user=buyer, cv=cv, amount=PRICE,
                                           currency="TZS", method="mobile_money", phone=None)
            done = clock.iso(moment)
            payment.update(status="completed", completed_at=done, updated_at=done)
            payment.pop("gsi2pk", None)
            payment.pop("gsi2sk", None)
            requests.append({"PutRequest": {"Item": _serialize(payment)}})
            requests.append(_put(payments.completion_op(payment, completed_at=done, paid_cv=True)))
    for i in range(volume.downloads):
        requests.append(_put(counters.download_op(made[i % len(made)], instant())))
    return write(requests)


def _serialize(item: dict[str, Any]) -> dict[str, Any]:
    from chapchap.data import table

    return table.serialize(item)
