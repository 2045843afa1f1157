"""Analytics: the daily rollup (history) and the series the dashboard charts.

The rollup recomputes one finished business day from that day's own items, never from the
live counters and never by scanning (docs/data.md, rule 6):

    new_users       gsi2 USERS#<YYYY-MM>  created_at within the day's UTC bounds   Select=COUNT
    cvs_created     gsi2 CVS#<YYYY-MM>    created_at within the bounds, by the template the
                    CV was created with (`template_usage`)                         projection
    paid_cvs, revenue, payments_completed, template_revenue
                    PAYDONE#<date>: one item per completion on that day           projection
    downloads       DOWNLOAD#<date>                                                Select=COUNT
    active_users    ACTIVE#<date>: one marker per user active that day             Select=COUNT
    funnel          COUNTER#DAY#<date> / DAY, copied: failures and hand-overs leave no
                    item of their own to count (analytics/funnel.py)               BatchGetItem

and overwrites `ANALYTICS#DAILY / <date>`: the same items give the same record, so running it
again, or for any past date (backfill), is safe. It also rewrites the records of the ISO week
and the calendar month holding the day with their *distinct* active users (the union of the
ACTIVE markers of their finished days): distinct users cannot be summed from days.

The series reads the daily records of its range in one Query, adds today (and yesterday
until its rollup ran) from the live day counters (one Query of COUNTER#DAY#<date>: the day
and each template's day), and groups days into ISO weeks (Monday first) or calendar months
of business time. Weekly and monthly rows take `active_users` from the period records.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any, Mapping

from chapchap import clock
from chapchap.analytics import funnel
from chapchap.data import analytics as records
from chapchap.analytics.periods import (PERIODS, bad_query, check_known, choice, days, month_start,
                              parse_date, period_end, period_start, week_start)
from chapchap.settings import settings

MAX_BACKFILL_DAYS = 400
SUMS = ("cvs_created", "paid_cvs", "revenue", "new_users", "downloads")
MAX_SPAN_DAYS = {"daily": 366, "weekly": 371, "monthly": 397}
ACTIVE_USERS_NOTE = ("daily rows: distinct users active that day. Weekly and monthly rows: distinct users "
                     "active on the period's finished days, from the nightly rollup (today's sign-ins join "
                     "after tonight's run; active_users_through says up to which day); active_user_days is "
                     "the sum of the daily distinct counts, today included.")


# ---------------------------------------------------------------- the rollup
def _bounds(day: date) -> tuple[str, str]:
    start, end = clock.business_day_bounds(day)
    return clock.iso(start), clock.iso(end)


def compute_day(day: date) -> dict[str, Any]:
    """The analytics record of one business day, from that day's own items."""
    bounds, month, key = _bounds(day), day.strftime("%Y-%m"), day.isoformat()
    new_users = records.count(index="gsi2", pk=f"USERS#{month}", sk_between=bounds)
    cvs = records.project(index="gsi2", pk=f"CVS#{month}", sk_between=bounds,
                          attributes=["created_template_id", "template_id"])
    usage = Counter(cv.get("created_template_id") or cv.get("template_id") or "unknown" for cv in cvs)
    completions = records.project(pk=f"PAYDONE#{key}", attributes=["amount", "paid_cv", "template_id"])
    template_revenue: Counter = Counter()
    for item in completions:
        template_revenue[item.get("template_id") or "unknown"] += int(item["amount"])
    return {
        "pk": records.DAILY, "sk": key, "type": "analytics_daily", "date": key,
        "new_users": new_users,
        "cvs_created": len(cvs),
        "paid_cvs": sum(1 for item in completions if item.get("paid_cv")),
        "revenue": sum(int(item["amount"]) for item in completions),
        "payments_completed": len(completions),
        "downloads": records.count(pk=f"DOWNLOAD#{key}"),
        "active_users": records.count(pk=f"ACTIVE#{key}"),
        "template_usage": dict(sorted(usage.items())),
        "template_revenue": {k: v for k, v in sorted(template_revenue.items()) if v},
        "currency": settings().currency,
        **funnel.record_fields(day),
    }


def distinct_active(first: date, last: date) -> int:
    """Distinct users active on any day of [first, last] (the union of the days' markers)."""
    users: set[str] = set()
    for day in days(first, last):
        users.update(item["sk"] for item in records.project(pk=f"ACTIVE#{day.isoformat()}", attributes=["sk"]))
    return len(users)


def compute_period(period: str, start: date, through: date) -> dict[str, Any]:
    end = period_end(start, period)
    return {"pk": records.PERIOD_PARTITIONS[period], "sk": start.isoformat(), "type": f"analytics_{period}",
            "period_start": start.isoformat(), "period_end": end.isoformat(),
            "active_users": distinct_active(start, through), "active_through": through.isoformat(),
            "complete": through >= end}


def _finished_days(event: Mapping[str, Any], today: date) -> list[date]:
    if event.get("date"):
        chosen = [_event_date(event["date"], "date")]
    elif event.get("from") or event.get("to"):
        first = _event_date(event.get("from") or event.get("to"), "from")
        last = _event_date(event.get("to") or event.get("from"), "to")
        if first > last or (last - first).days + 1 > MAX_BACKFILL_DAYS:
            raise ValueError(f"from..to must be in order and at most {MAX_BACKFILL_DAYS} days")
        chosen = days(first, last)
    else:
        chosen = [today - timedelta(days=1)]  # the schedule, just after midnight: the day that ended
    if chosen[-1] >= today:
        raise ValueError(f"only finished business days can be rolled up (today is {today.isoformat()} in "
                         f"{settings().business_timezone}); {chosen[-1].isoformat()} is not over")
    return chosen


def _event_date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value)) if len(str(value)) == 10 else date.fromisoformat("x")
    except ValueError:
        raise ValueError(f"{name} must be a date YYYY-MM-DD, not {str(value)[:40]!r}") from None


def run(event: Mapping[str, Any] | None) -> dict[str, Any]:
    """The rollup function: `{}` or a schedule event rolls up yesterday (business time);
    `{"date": "YYYY-MM-DD"}` any past day; `{"from", "to"}` a range (backfill)."""
    event = event if isinstance(event, Mapping) else {}
    today = clock.business_date()
    chosen = _finished_days(event, today)
    last_finished = today - timedelta(days=1)
    written = []
    for day in chosen:
        record = compute_day(day)
        records.put(record)
        written.append({k: record[k] for k in ("date", "new_users", "cvs_created", "paid_cvs", "revenue",
                                               "downloads", "active_users")})
    periods = []
    for period, start_of in (("weekly", week_start), ("monthly", month_start)):
        for start in sorted({start_of(day) for day in chosen}):
            record = compute_period(period, start, min(period_end(start, period), last_finished))
            records.put(record)
            periods.append({"period": period, "period_start": record["period_start"],
                            "active_users": record["active_users"], "through": record["active_through"]})
    return {"days": written, "periods": periods}


# ---------------------------------------------------------------- the series
def _default_first(period: str, today: date) -> date:
    if period == "weekly":
        return week_start(today) - timedelta(weeks=11)
    if period == "monthly":
        start = month_start(today)
        for _ in range(11):
            start = month_start(start - timedelta(days=1))
        return start
    return today - timedelta(days=29)


def _empty_row() -> dict[str, Any]:
    return {**{k: 0 for k in SUMS}, "active_users": 0, "template_usage": {}, "template_revenue": {}}


def _from_record(record: dict[str, Any]) -> dict[str, Any]:
    row = {k: int(record.get(k) or 0) for k in SUMS}
    row["active_users"] = int(record.get("active_users") or 0)
    row["template_usage"] = {k: int(v) for k, v in (record.get("template_usage") or {}).items()}
    row["template_revenue"] = {k: int(v) for k, v in (record.get("template_revenue") or {}).items()}
    return row


def _from_live(items: dict[str, dict[str, Any]]) -> dict[str, Any]:
    day = items.get("DAY") or {}
    row = {"cvs_created": int(day.get("cvs") or 0), "paid_cvs": int(day.get("paid_cvs") or 0),
           "revenue": int(day.get("revenue") or 0), "new_users": int(day.get("users") or 0),
           "downloads": int(day.get("downloads") or 0), "active_users": int(day.get("active_users") or 0),
           "template_usage": {}, "template_revenue": {}}
    for sk, item in sorted(items.items()):
        if not sk.startswith("TEMPLATE#"):
            continue
        template_id = sk.split("#", 1)[1]
        if int(item.get("cvs") or 0):
            row["template_usage"][template_id] = int(item["cvs"])
        if int(item.get("revenue") or 0):
            row["template_revenue"][template_id] = int(item["revenue"])
    return row


def parse_series_query(query: Mapping[str, str], today: date) -> tuple[str, date, date]:
    check_known(query, ("period", "from", "to"))
    period = choice(query, "period", PERIODS, "daily")
    last = parse_date(query["to"], "to") if query.get("to") is not None else today
    first = (parse_date(query["from"], "from") if query.get("from") is not None
             else _default_first(period, min(last, today)))
    if first > last:
        raise bad_query("from", "must not be after to")
    first, last = period_start(first, period), min(period_end(last, period), today)
    if first > today:
        raise bad_query("from", "is in the future: analytics end today")
    if (last - first).days + 1 > MAX_SPAN_DAYS[period]:
        raise bad_query("from", f"{period} analytics cover at most {MAX_SPAN_DAYS[period]} days; narrow from/to")
    return period, first, last


def series(query: Mapping[str, str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows oldest first, and the answer's meta."""
    today = clock.business_date()
    period, first, last = parse_series_query(query, today)
    rolled = records.records(records.DAILY, first, last)
    daily: dict[date, dict[str, Any]] = {}
    sources: dict[date, str] = {}
    missing: list[str] = []
    for day in days(first, last):
        record = rolled.get(day.isoformat())
        if record and day < today:
            daily[day], sources[day] = _from_record(record), "rollup"
        elif day >= today - timedelta(days=1):  # today, or yesterday before its rollup ran
            daily[day], sources[day] = _from_live(records.live_day(day)), "live"
        else:
            daily[day], sources[day] = _empty_row(), "missing"
            missing.append(day.isoformat())
    meta = {"period": period, "from": first.isoformat(), "to": last.isoformat(),
            "time_zone": settings().business_timezone, "currency": settings().currency,
            "active_users": ACTIVE_USERS_NOTE, "missing_days": missing}
    if period == "daily":
        rows = []
        for day, row in daily.items():
            rows.append({"period_start": day.isoformat(), "period_end": day.isoformat(), **row,
                         "active_user_days": row["active_users"], "active_users_through": day.isoformat(),
                         "days": 1, "source": sources[day], "partial": day == today or sources[day] == "missing"})
        return rows, meta
    period_records = records.records(records.PERIOD_PARTITIONS[period], first, last)
    rows = []
    start = first
    while start <= last:
        end = period_end(start, period)
        covered = days(start, min(end, last))
        row = _empty_row()
        for day in covered:
            part = daily[day]
            for k in SUMS:
                row[k] += part[k]
            for name in ("template_usage", "template_revenue"):
                for template_id, n in part[name].items():
                    row[name][template_id] = row[name].get(template_id, 0) + n
        row["active_user_days"] = sum(daily[d]["active_users"] for d in covered)
        record = period_records.get(start.isoformat())
        finished = [d for d in covered if d < today]
        if not finished:  # the period began today: today's distinct users are exact
            row["active_users"], through = daily[today]["active_users"], today.isoformat()
        elif record:
            row["active_users"], through = int(record.get("active_users") or 0), record.get("active_through")
        else:
            row["active_users"], through = None, None
        row["template_usage"] = dict(sorted(row["template_usage"].items()))
        row["template_revenue"] = dict(sorted(row["template_revenue"].items()))
        rows.append({"period_start": start.isoformat(), "period_end": end.isoformat(), **row,
                     "active_users_through": through, "days": len(covered),
                     "partial": end >= today or any(sources[d] == "missing" for d in covered)})
        start = end + timedelta(days=1)
    return rows, meta
