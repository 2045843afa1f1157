"""Live counters: totals, per business day, per template. They move inside the same
transaction as the change they count (docs/data.md, rule 4), never by scanning.

    COUNTER#TOTAL[#<s>]              / TOTAL          users, cvs, paid_cvs, revenue, downloads, refunds,
                                                      refunded_payments
    COUNTER#DAY#<date>[#<s>]         / DAY            the same for one business day, + active_users
    COUNTER#DAY#<date>[#<s>]         / TEMPLATE#<id>  cvs, paid_cvs, revenue, downloads, refunds,
                                                      refunded_payments of a template that day
    COUNTER#TEMPLATE#<id>[#<s>]      / TOTAL          the same for a template, all time, + live_cvs
                                                      (CVs using it now: created - deleted +/- moved)
    ACTIVE#<date>        / USER#<id>          marks a user active that day (counted once)
    DOWNLOAD#<date>      / <time>#<cv>#<n>    one per download (the rollup counts the day's)

Sharded (docs/scale.md): every counter is COUNTER_SHARDS items, shard 0 under the plain key
(the key before sharding, so older counts still add up) and shard s under `<pk>#<s>`. A
write picks one shard at random for all the counters it moves, so no item is written by
every request and two requests meet on one item with probability 1/N; the shard in the
partition key spreads them over partitions too. A read adds the shards up: one
BatchGetItem for up to 100 shard keys (`read`, `total`, `day`, ...), or one Query per shard
for a whole day (`day_items`). Readers add every numeric attribute, so new fields need no
change here. COUNTER_SHARDS may grow (new shards start empty) but never shrink: shards above
it would no longer be read.
"""
from __future__ import annotations

import os
import random
from datetime import date
from typing import Any, Iterable

from chapchap import clock
from chapchap.data import table

# `revenue` is gross (what completions counted, never lowered); `refunds` what refunds took
# back out of it on the refund's day, `refunded_payments` how many refunds; net = the difference.
FIELDS = ("users", "cvs", "paid_cvs", "revenue", "downloads", "active_users", "refunds", "refunded_payments")
DEFAULT_SHARDS = 8
MAX_SHARDS = 90  # the template delete checks every shard in its transaction (at most 100 items)
_NOT_SUMMED = frozenset({"pk", "sk", "type", "day", "template_id"})


def shard_count() -> int:
    """N, from COUNTER_SHARDS (read on every call: cheap, and tests may change it)."""
    raw = os.environ.get("COUNTER_SHARDS")
    n = int(raw) if raw not in (None, "") else DEFAULT_SHARDS
    return max(1, min(MAX_SHARDS, n))


def shard_key(key: tuple[str, str], shard: int) -> tuple[str, str]:
    return key if shard == 0 else (f"{key[0]}#{shard}", key[1])


def shard_keys(key: tuple[str, str]) -> list[tuple[str, str]]:
    """Every shard of a counter, shard 0 first."""
    return [shard_key(key, s) for s in range(shard_count())]


def _pick() -> int:
    return random.randrange(shard_count())


def total_key() -> tuple[str, str]:
    return "COUNTER#TOTAL", "TOTAL"


def day_key(day: date) -> tuple[str, str]:
    return f"COUNTER#DAY#{day.isoformat()}", "DAY"


def template_key(template_id: str) -> tuple[str, str]:
    return f"COUNTER#TEMPLATE#{template_id}", "TOTAL"


def template_day_key(template_id: str, day: date) -> tuple[str, str]:
    return f"COUNTER#DAY#{day.isoformat()}", f"TEMPLATE#{template_id}"


def _add(key: tuple[str, str], shard: int, amounts: dict[str, int], extra: dict[str, Any]) -> dict:
    pk, sk = shard_key(key, shard)
    names = {f"#{k}": k for k in [*amounts, *extra]}
    adds = ", ".join(f"#{k} :{k}" for k in amounts)
    sets = ", ".join(f"#{k} = if_not_exists(#{k}, :{k}_init)" for k in extra)
    expression = f"ADD {adds}" + (f" SET {sets}" if sets else "")
    values = {**amounts, **{f"{k}_init": v for k, v in extra.items()}}
    return table.update_op(pk, sk, expression, names=names, **values)


def add_ops(amounts: dict[str, int], *, day: date | None = None, template_id: str | None = None,
            day_only: dict[str, int] | None = None, template_only: dict[str, int] | None = None) -> list[dict]:
    """ADD `amounts` to the total, the day's and (with a template) the template's counters;
    `day_only` amounts go to the day's counter alone (distinct active users), `template_only`
    to the template's all-time counter alone (`live_cvs`)."""
    amounts = {k: int(v) for k, v in amounts.items() if v}
    if not amounts:
        return []
    day, shard = day or clock.business_date(), _pick()
    ops = [_add(total_key(), shard, amounts, {"type": "counter"}),
           _add(day_key(day), shard, {**amounts, **(day_only or {})}, {"type": "counter", "day": day.isoformat()})]
    if template_id:
        ops.append(_add(template_key(template_id), shard, {**amounts, **(template_only or {})},
                        {"type": "counter", "template_id": template_id}))
        ops.append(_add(template_day_key(template_id, day), shard, amounts,
                        {"type": "counter", "template_id": template_id, "day": day.isoformat()}))
    return ops


def active_marker_op(user_id: str, day: date) -> dict:
    """The marker alone, for a transaction that counts `active_users` itself (register)."""
    return table.put_op({"pk": f"ACTIVE#{day.isoformat()}", "sk": f"USER#{user_id}", "type": "active_user",
                         "user_id": user_id, "day": day.isoformat(), "created_at": clock.now_iso()})


def active_marker_ops(user_id: str, day: date, also: dict[str, int] | None = None) -> list[dict]:
    """The day's marker for a user (the rollup counts these) and the live counter.

    Callers add these only together with a write on the user item that sets
    `last_active_day` to `day` under the condition that it was another day: that condition
    makes the count exactly once per user and day, however many sign-ins race. `also`: other
    amounts for the same day counter in the same transaction (one write per item)."""
    return [active_marker_op(user_id, day),
            _add(day_key(day), _pick(), {"active_users": 1, **{k: int(v) for k, v in (also or {}).items() if v}},
                 {"type": "counter", "day": day.isoformat()})]


def live_cv_op(template_id: str, delta: int) -> dict:
    """Move the number of live (not deleted) CVs using a template: +1 when a CV starts using
    it (create, duplicate, template change), -1 when one stops (delete, template change).
    Template deletion is refused while the shards add up to more than zero (`unchanged_ops`).
    Any shard will do: one shard may go below zero, only the sum means something."""
    return _add(template_key(template_id), _pick(), {"live_cvs": int(delta)},
                {"type": "counter", "template_id": template_id})


def template_in_use(counter: dict[str, Any] | None) -> int:
    """How many CVs hold a template (0: free to delete), from a merged counter. Counters
    written before `live_cvs` existed only have `cvs`: then any CV ever created with it counts
    as a use (conservative)."""
    counter = counter or {}
    if "live_cvs" not in counter:
        return int(counter.get("cvs") or 0)
    live = int(counter["live_cvs"])
    return live if live >= 0 else 1  # below zero cannot happen unless counters predate live_cvs


ACTIVE_CONDITION = "(attribute_not_exists(last_active_day) OR last_active_day <> :today)"


def download_op(cv: dict[str, Any], moment) -> dict:
    import uuid

    day = clock.business_date(moment).isoformat()
    return table.put_op({"pk": f"DOWNLOAD#{day}", "sk": f"{clock.iso(moment)}#{cv['id']}#{uuid.uuid4().hex[:8]}",
                         "type": "download", "cv_id": cv["id"], "user_id": cv.get("user_id"),
                         "template_id": cv["template_id"], "day": day, "created_at": clock.iso(moment)})


# ---------------------------------------------------------------- reads (shards added up)
def merge(shards: Iterable[dict[str, Any] | None]) -> dict[str, Any]:
    """One counter from its shards: numeric attributes added, the others from the first.
    `live_cvs`: a shard without it (written before it existed) counts its `cvs` instead."""
    present = [item for item in shards if item]
    merged: dict[str, Any] = {}
    for item in present:
        for name, value in item.items():
            if name in _NOT_SUMMED or isinstance(value, bool) or not isinstance(value, (int, float)):
                merged.setdefault(name, value)
            else:
                merged[name] = merged.get(name, 0) + value
    if any("live_cvs" in item for item in present):
        merged["live_cvs"] = sum(int(item["live_cvs"]) if "live_cvs" in item else int(item.get("cvs") or 0)
                                 for item in present)
    return merged


def read(keys: list[tuple[str, str]], *, consistent: bool = False) -> dict[tuple[str, str], dict]:
    """Counters by their (plain) key, each the sum of its shards; absent ones are left out.
    One BatchGetItem per 100 shard keys: len(keys) x N / 100 calls, whatever the table holds."""
    keys = list(dict.fromkeys(keys))
    wanted = [(key, shard_key(key, s)) for key in keys for s in range(shard_count())]
    found: dict[tuple[str, str], dict] = {}
    for start in range(0, len(wanted), 100):
        found.update(table.batch_get([k for _, k in wanted[start:start + 100]], consistent=consistent))
    out: dict[tuple[str, str], dict] = {}
    for key in keys:
        shards = [found.get(shard_key(key, s)) for s in range(shard_count())]
        if any(shards):
            out[key] = merge(shards)
    return out


def _one(key: tuple[str, str], consistent: bool) -> dict[str, Any]:
    return read([key], consistent=consistent).get(key, {})


def total(*, consistent: bool = False) -> dict[str, Any]:
    """All-time counters (one BatchGetItem)."""
    return _one(total_key(), consistent)


def day(day: date, *, consistent: bool = False) -> dict[str, Any]:
    """One business day's counters (one BatchGetItem)."""
    return _one(day_key(day), consistent)


def template(template_id: str, *, consistent: bool = False) -> dict[str, Any]:
    """A template's all-time counters, `live_cvs` included (one BatchGetItem)."""
    return _one(template_key(template_id), consistent)


def template_day(template_id: str, day: date, *, consistent: bool = False) -> dict[str, Any]:
    return _one(template_day_key(template_id, day), consistent)


def day_items(day: date) -> dict[str, dict[str, Any]]:
    """A day's counters by sort key: `DAY` and every `TEMPLATE#<id>` of that day, shards added
    up (one Query per shard: at most 101 items each, templates being at most 100)."""
    by_sk: dict[str, list[dict]] = {}
    pk = day_key(day)[0]
    for s in range(shard_count()):
        items, _ = table.query(pk=shard_key((pk, ""), s)[0], limit=200)
        for item in items:
            by_sk.setdefault(item["sk"], []).append(item)
    return {sk: merge(items) for sk, items in by_sk.items()}


def read_days(days: list[date]) -> dict[date, dict]:
    """The `DAY` counters of some business days, shards added up (one BatchGetItem per 100
    shard keys; no call for no day), by day; a day nothing was counted on is left out."""
    if not days:
        return {}
    found = read([day_key(day) for day in days])
    return {day: found[day_key(day)] for day in days if day_key(day) in found}


def days(first: date, last: date) -> dict[date, dict[str, dict[str, Any]]]:
    """`day_items` of each day in [first, last] (for the live part of the analytics: a day or two)."""
    from datetime import timedelta

    out, current = {}, first
    while current <= last:
        out[current] = day_items(current)
        current += timedelta(days=1)
    return out


# ---------------------------------------------------------------- the template delete guard
def template_shards(template_id: str) -> list[tuple[str, str]]:
    """The keys to read (consistently) before deleting a template, for `unchanged_ops`."""
    return shard_keys(template_key(template_id))


def unchanged_ops(template_id: str, found: dict[tuple[str, str], dict]) -> list[dict]:
    """One ConditionCheck per shard of a template's counter: `live_cvs` as read (or still no
    item, or still no live_cvs). `found` holds what a consistent read of `template_shards` gave.

    With shards, "no CV uses it" is a sum over N items, which no single condition states.
    The delete reads the shards, refuses when they add up to more than zero, and its
    transaction holds only if no shard moved since: a CV created meanwhile either moved a
    shard first (the delete fails and reads again) or comes after (its own check that the
    template exists fails). Exact, as the single-item condition was."""
    ops = []
    for key in template_shards(template_id):
        item = found.get(key)
        if item is None:
            ops.append(table.condition_op(*key, "attribute_not_exists(pk)"))
        elif "live_cvs" in item:
            ops.append(table.condition_op(*key, "live_cvs = :live", live=int(item["live_cvs"])))
        else:
            ops.append(table.condition_op(*key, "attribute_not_exists(live_cvs)"))
    return ops
