"""The conversion funnel: from an anonymous CV to a download, per business day, split by
payment method and by the payer's mobile network (docs/funnel.md).

Every step is a field of the live day counter (`COUNTER#DAY#<date>` / `DAY`), moved through
`counters.add_ops` in the same transaction as the event it counts, so a step is counted
exactly when the event happened:

    anonymous_cvs       a CV created (or duplicated) without an account     cvs/editing.py
    registered_users    an account made by sign-up (not by an admin)        auth/accounts.py
    cvs_handed_over     anonymous CVs moved to an account at sign-up or
                        sign-in, one per CV                                 auth/accounts.py
    payments_started    a payment created (before Selcom hears of it)       payments/start.py
    payments_completed  the completing transaction                          payments/confirm.py
    payments_failed     a pending payment turned failed, cancelled or
                        expired (the transition is conditioned on pending)  payments/fail.py
    downloads           the day's `downloads` (the paid download's count)   payments/downloads.py

and per payment step `<step>_m_<method>` and `<step>_n_<network>`: the payment's method and
the network of the number it was made with (chapchap/networks.py).

The nightly rollup copies the day's funnel into its analytics record (`funnel`), so a range
is one Query of the records plus one BatchGetItem of the live counters of today (and
yesterday until its rollup ran).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Mapping

from chapchap import clock
from chapchap.analytics.periods import bad_query, check_known, parse_date
from chapchap.data import analytics as records
from chapchap.data import counters
from chapchap.networks import NETWORKS, network_of

STEPS = ("anonymous_cvs", "registered_users", "cvs_handed_over", "payments_started", "payments_completed",
         "payments_failed", "downloads")
PAYMENT_STEPS = ("payments_started", "payments_completed", "payments_failed")
METHODS = ("mobile_money", "card")
MAX_DAYS = 366
DEFAULT_DAYS = 30


# ---------------------------------------------------------------- what an event adds
def _method(method: str | None) -> str:
    return method if method in METHODS else "mobile_money"  # payments default to mobile money


def payment_step(step: str, payment: Mapping[str, Any]) -> dict[str, int]:
    """The counter fields one payment step moves: the step, its method's and its network's."""
    return {step: 1, f"{step}_m_{_method(payment.get('method'))}": 1,
            f"{step}_n_{network_of(payment.get('phone'))}": 1}


def anonymous_cv() -> dict[str, int]:
    return {"anonymous_cvs": 1}


def registered() -> dict[str, int]:
    return {"registered_users": 1}


def handed_over(count: int) -> dict[str, int]:
    return {"cvs_handed_over": count} if count else {}


def fields_of(counter: Mapping[str, Any] | None) -> dict[str, int]:
    """The funnel's fields of a day counter (or record): what the rollup keeps, zeros left out."""
    counter = counter or {}
    names = [*STEPS, *(f"{s}_m_{m}" for s in PAYMENT_STEPS for m in METHODS),
             *(f"{s}_n_{n}" for s in PAYMENT_STEPS for n in NETWORKS)]
    return {name: int(counter[name]) for name in names if int(counter.get(name) or 0)}


def record_fields(day: date) -> dict[str, Any]:
    """The rollup's addition to a day's analytics record: the day's funnel, copied from the
    live day counter (one BatchGetItem). The counters moved with the events are the only
    record of failures and hand-overs, so the rollup copies rather than recomputes."""
    return {"funnel": fields_of(counters.read_days([day]).get(day))}


# ---------------------------------------------------------------- the admin view
def _shape(sums: Mapping[str, int]) -> dict[str, Any]:
    def split(kind: str, names: tuple[str, ...]) -> dict[str, dict[str, int]]:
        return {name: {step: int(sums.get(f"{step}_{kind}_{name}", 0)) for step in PAYMENT_STEPS} for name in names}

    return {**{step: int(sums.get(step, 0)) for step in STEPS},
            "by_method": split("m", METHODS), "by_network": split("n", NETWORKS)}


def parse_query(query: Mapping[str, str], today: date) -> tuple[date, date]:
    check_known(query, ("from", "to"))
    last = parse_date(query["to"], "to") if query.get("to") is not None else today
    first = (parse_date(query["from"], "from") if query.get("from") is not None
             else min(last, today) - timedelta(days=DEFAULT_DAYS - 1))
    if first > last:
        raise bad_query("from", "must not be after to")
    if first > today:
        raise bad_query("from", "is in the future: the funnel ends today")
    last = min(last, today)
    if (last - first).days + 1 > MAX_DAYS:
        raise bad_query("from", f"the funnel covers at most {MAX_DAYS} days; narrow from/to")
    return first, last


def funnel(query: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The funnel of [from, to] and the answer's meta: one Query of the daily records and one
    BatchGetItem of the live counters of today and of yesterday before its rollup ran."""
    from chapchap.settings import settings

    today = clock.business_date()
    first, last = parse_query(query, today)
    rolled = records.records(records.DAILY, first, last)
    sums: dict[str, int] = {}
    live: list[date] = []
    missing: list[str] = []
    day = first
    while day <= last:
        record = rolled.get(day.isoformat())
        if record and "funnel" in record and day < today:
            for name, n in (record["funnel"] or {}).items():
                sums[name] = sums.get(name, 0) + int(n)
        elif day >= today - timedelta(days=1):
            live.append(day)
        else:
            missing.append(day.isoformat())
        day += timedelta(days=1)
    for counter in counters.read_days(live).values():
        for name, n in fields_of(counter).items():
            sums[name] = sums.get(name, 0) + n
    meta = {"from": first.isoformat(), "to": last.isoformat(), "time_zone": settings().business_timezone,
            "live_days": [d.isoformat() for d in live], "missing_days": missing}
    return _shape(sums), meta
