"""Live counters: totals, per business day, per template. They move inside the same
transaction as the change they count (docs/data.md, rule 4), never by scanning.

    COUNTER#TOTAL        / TOTAL              users, cvs, paid_cvs, revenue, downloads
    COUNTER#DAY#<date>   / DAY                the same for one business day, + active_users
    COUNTER#DAY#<date>   / TEMPLATE#<id>      cvs, paid_cvs, revenue, downloads of a template that day
    COUNTER#TEMPLATE#<id> / TOTAL             the same for a template, all time, + live_cvs
                                              (CVs using it now: created - deleted +/- moved)
    ACTIVE#<date>        / USER#<id>          marks a user active that day (counted once)
    DOWNLOAD#<date>      / <time>#<cv>#<n>    one per download (the rollup counts the day's)
"""
from __future__ import annotations

from datetime import date
from typing import Any

from chapchap import clock
from chapchap.data import table

FIELDS = ("users", "cvs", "paid_cvs", "revenue", "downloads", "active_users")


def total_key() -> tuple[str, str]:
    return "COUNTER#TOTAL", "TOTAL"


def day_key(day: date) -> tuple[str, str]:
    return f"COUNTER#DAY#{day.isoformat()}", "DAY"


def template_key(template_id: str) -> tuple[str, str]:
    return f"COUNTER#TEMPLATE#{template_id}", "TOTAL"


def template_day_key(template_id: str, day: date) -> tuple[str, str]:
    return f"COUNTER#DAY#{day.isoformat()}", f"TEMPLATE#{template_id}"


def _add(pk: str, sk: str, amounts: dict[str, int], extra: dict[str, Any]) -> dict:
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
    day = day or clock.business_date()
    ops = [_add(*total_key(), amounts, {"type": "counter"}),
           _add(*day_key(day), {**amounts, **(day_only or {})}, {"type": "counter", "day": day.isoformat()})]
    if template_id:
        ops.append(_add(*template_key(template_id), {**amounts, **(template_only or {})},
                        {"type": "counter", "template_id": template_id}))
        ops.append(_add(*template_day_key(template_id, day), amounts,
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
            _add(*day_key(day), {"active_users": 1, **{k: int(v) for k, v in (also or {}).items() if v}},
                 {"type": "counter", "day": day.isoformat()})]


def live_cv_op(template_id: str, delta: int) -> dict:
    """Move the number of live (not deleted) CVs using a template: +1 when a CV starts using
    it (create, duplicate, template change), -1 when one stops (delete, template change).
    Template deletion is refused while it is above zero (admin_templates.delete)."""
    return _add(*template_key(template_id), {"live_cvs": int(delta)}, {"type": "counter", "template_id": template_id})


# A template is free to delete when no live CV uses it. Counters written before `live_cvs`
# existed only have `cvs`: then any CV ever created with it counts as a use (conservative).
TEMPLATE_UNUSED_CONDITION = ("live_cvs = :zero OR (attribute_not_exists(live_cvs) AND "
                             "(attribute_not_exists(cvs) OR cvs = :zero))")


def template_in_use(counter: dict[str, Any] | None) -> int:
    """How many CVs hold a template, by the rule above (0: free to delete)."""
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


def read(keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    return table.batch_get(keys)


def read_days(days: list[date]) -> dict[date, dict]:
    """The `DAY` counters of some business days (one BatchGetItem, at most 100 days; no call
    for no day), by day; a day nothing was counted on is left out."""
    if not days:
        return {}
    found = table.batch_get([day_key(day) for day in days])
    return {day: found[day_key(day)] for day in days if day_key(day) in found}
