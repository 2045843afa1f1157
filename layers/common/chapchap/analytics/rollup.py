"""Analytics: the daily rollup (history) and the series the dashboard charts.

The rollup recomputes one finished business day from that day's own items, never from the
live counters and never by scanning (docs/data.md, rule 6):

    new_users       gsi2 USERS#<YYYY-MM>  created_at within the day's UTC bounds   Select=COUNT
    cvs_created     gsi2 CVS[#<k>]#<YYYY-MM>, each shard and the legacy bucket (data/cvs.py):
                    created_at within the bounds, by the template the CV was
                    created with (`template_usage`)                     projection, 5 Queries
    paid_cvs, revenue, payments_completed, template_revenue
                    PAYDONE#<date>: one item per completion on that day           projection
    downloads       DOWNLOAD#<date>                                                Select=COUNT
    active_users    ACTIVE#<date>: one marker per user active that day             Select=COUNT
    refunds, refunded_payments, template_refunds
                    REFUND#<date>: one item per refund made that day               projection
    funnel          COUNTER#DAY#<date> / DAY, copied: failures and hand-overs leave no
                    item of their own to count (analytics/funnel.py)               BatchGetItem

and overwrites `ANALYTICS#DAILY / <date>`: the same items give the same record, so running it
again, or for any past date (backfill), is safe. It also rewrites the records of the ISO week
and the calendar month holding the day with their *distinct* active users (the union of the
ACTIVE markers of their finished days): distinct users cannot be summed from days. Those
period records also carry the sums of the period's daily records through the same day
(`totals`, the template maps, `missing_days`), so a weekly or monthly series of years reads
one record per period.

A daily series reads the daily records of its range in one Query, adds today (and yesterday
until its rollup ran) from the live day counters (one Query per counter shard of
COUNTER#DAY#<date>: the day and each template's day, shards added up), and groups days into
ISO weeks (Monday first) or calendar months of business time. A weekly or monthly series
reads the period records of its range (one Query) and, for the days after what a period
record sums (the current period, a period no rollup covered yet), the daily records from the
first such day (a second Query, over at most DAILY_WINDOW_DAYS: older periods without their
record are missing days until a backfill). Weekly and monthly rows take `active_users` from
the period records. `revenue` is gross; `refunds` is what refunds took back on their own
day, `net_revenue` the difference.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any, Mapping

from chapchap import clock
from chapchap.analytics import funnel
from chapchap.data import analytics as records
from chapchap.data import cvs as cv_data
from chapchap.analytics.periods import (PERIODS, bad_query, check_known, choice, days, month_start,
                              parse_date, period_end, period_start, week_start)
from chapchap.settings import settings

MAX_BACKFILL_DAYS = 400
SUMS = ("cvs_created", "paid_cvs", "revenue", "new_users", "downloads", "refunds", "refunded_payments")
MAPS = ("template_usage", "template_revenue", "template_refunds")
MAX_SPAN_DAYS = {"daily": 366}
MAX_PERIODS = {"weekly": 156, "monthly": 120}
DAILY_WINDOW_DAYS = 400  # the daily records a weekly/monthly series reads at most (one Query)
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
    cvs = [cv for prefix in cv_data.bucket_prefixes()
           for cv in records.project(index="gsi2", pk=f"{prefix}#{month}", sk_between=bounds,
                                     attributes=["created_template_id", "template_id"])]
    usage = Counter(cv.get("created_template_id") or cv.get("template_id") or "unknown" for cv in cvs)
    completions = records.project(pk=f"PAYDONE#{key}", attributes=["amount", "paid_cv", "template_id"])
    template_revenue: Counter = Counter()
    for item in completions:
        template_revenue[item.get("template_id") or "unknown"] += int(item["amount"])
    refunded = records.project(pk=f"REFUND#{key}", attributes=["amount", "template_id"])
    template_refunds: Counter = Counter()
    for item in refunded:
        template_refunds[item.get("template_id") or "unknown"] += int(item["amount"])
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
        "refunds": sum(int(item["amount"]) for item in refunded),
        "refunded_payments": len(refunded),
        "template_refunds": {k: v for k, v in sorted(template_refunds.items()) if v},
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
    """A period's record: distinct active users and the sums of its daily records, both over
    [start, through] (read back consistently: the run has just written some of them)."""
    end = period_end(start, period)
    daily = records.records(records.DAILY, start, through, consistent=True)
    total = _empty_row()
    missing = []
    for day in days(start, through):
        record = daily.get(day.isoformat())
        if record:
            part = _from_record(record)
            _add_row(total, part)
            total["active_users"] += part["active_users"]  # the sum of the daily distinct counts
        else:
            missing.append(day.isoformat())
    return {"pk": records.PERIOD_PARTITIONS[period], "sk": start.isoformat(), "type": f"analytics_{period}",
            "period_start": start.isoformat(), "period_end": end.isoformat(),
            "active_users": distinct_active(start, through), "active_through": through.isoformat(),
            "complete": through >= end, "totals": {k: total[k] for k in SUMS},
            "active_user_days": total["active_users"],
            **{name: total[name] for name in MAPS}, "missing_days": missing}


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
                                               "refunds", "downloads", "active_users")})
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
    return {**{k: 0 for k in SUMS}, "active_users": 0, **{name: {} for name in MAPS}}


def _add_row(total: dict[str, Any], part: dict[str, Any]) -> None:
    for k in SUMS:
        total[k] += part[k]
    for name in MAPS:
        for template_id, n in part[name].items():
            total[name][template_id] = total[name].get(template_id, 0) + n


def _from_record(record: dict[str, Any]) -> dict[str, Any]:
    """A daily record (records written before refunds existed read as no refunds)."""
    row = {k: int(record.get(k) or 0) for k in SUMS}
    row["active_users"] = int(record.get("active_users") or 0)
    for name in MAPS:
        row[name] = {k: int(v) for k, v in (record.get(name) or {}).items()}
    return row


def _from_live(items: dict[str, dict[str, Any]]) -> dict[str, Any]:
    day = items.get("DAY") or {}
    row = {"cvs_created": int(day.get("cvs") or 0), "paid_cvs": int(day.get("paid_cvs") or 0),
           "revenue": int(day.get("revenue") or 0), "new_users": int(day.get("users") or 0),
           "downloads": int(day.get("downloads") or 0), "active_users": int(day.get("active_users") or 0),
           "refunds": int(day.get("refunds") or 0), "refunded_payments": int(day.get("refunded_payments") or 0),
           "template_usage": {}, "template_revenue": {}, "template_refunds": {}}
    for sk, item in sorted(items.items()):
        if not sk.startswith("TEMPLATE#"):
            continue
        template_id = sk.split("#", 1)[1]
        if int(item.get("cvs") or 0):
            row["template_usage"][template_id] = int(item["cvs"])
        if int(item.get("revenue") or 0):
            row["template_revenue"][template_id] = int(item["revenue"])
        if int(item.get("refunds") or 0):
            row["template_refunds"][template_id] = int(item["refunds"])
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
    if period == "daily" and (last - first).days + 1 > MAX_SPAN_DAYS[period]:
        raise bad_query("from", f"daily analytics cover at most {MAX_SPAN_DAYS[period]} days; narrow from/to "
                                "or ask for period=weekly or monthly")
    if period != "daily" and len(period_starts(period, first, last)) > MAX_PERIODS[period]:
        unit = "weeks" if period == "weekly" else "months"
        raise bad_query("from", f"{period} analytics cover at most {MAX_PERIODS[period]} {unit}; narrow from/to")
    return period, first, last


def period_starts(period: str, first: date, last: date) -> list[date]:
    """The starts of the periods in [first, last] (first is a period's start)."""
    starts, start = [], first
    while start <= last:
        starts.append(start)
        start = period_end(start, period) + timedelta(days=1)
    return starts


def _net(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "net_revenue": row["revenue"] - row["refunds"]}


def _day_row(day: date, today: date, record: dict[str, Any] | None) -> tuple[dict[str, Any], str]:
    """One day's row and its source: its rollup record, the live counters (today, and
    yesterday until its rollup ran: one Query each), or zeros."""
    if record and day < today:
        return _from_record(record), "rollup"
    if day >= today - timedelta(days=1):
        return _from_live(records.live_day(day)), "live"
    return _empty_row(), "missing"


def _meta(period: str, first: date, last: date, missing: list[str]) -> dict[str, Any]:
    return {"period": period, "from": first.isoformat(), "to": last.isoformat(),
            "time_zone": settings().business_timezone, "currency": settings().currency,
            "active_users": ACTIVE_USERS_NOTE, "missing_days": missing}


def series(query: Mapping[str, str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows oldest first, and the answer's meta."""
    today = clock.business_date()
    period, first, last = parse_series_query(query, today)
    if period == "daily":
        rolled = records.records(records.DAILY, first, last)
        rows, missing = [], []
        for day in days(first, last):
            row, source = _day_row(day, today, rolled.get(day.isoformat()))
            if source == "missing":
                missing.append(day.isoformat())
            rows.append({"period_start": day.isoformat(), "period_end": day.isoformat(), **_net(row),
                         "active_user_days": row["active_users"], "active_users_through": day.isoformat(),
                         "days": 1, "source": source, "partial": day == today or source == "missing"})
        return rows, _meta(period, first, last, missing)
    return _period_series(period, first, last, today)


def _summed_through(record: dict[str, Any] | None, start: date) -> date:
    """The last day a period record sums (the day before `start` when it sums nothing:
    no record, or one written before period records carried sums)."""
    if not record or "totals" not in record or not record.get("active_through"):
        return start - timedelta(days=1)
    return date.fromisoformat(record["active_through"])


def _period_series(period: str, first: date, last: date, today: date) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    starts = period_starts(period, first, last)
    period_records = records.records(records.PERIOD_PARTITIONS[period], first, last)
    # The days no period record sums: after each record's last summed day. Only those before
    # today have daily records; they are read in one Query from the first of them, within
    # the window (earlier ones, in periods no rollup summed, are missing until a backfill).
    window_start = last - timedelta(days=DAILY_WINDOW_DAYS - 1)
    unsummed = [max(_summed_through(period_records.get(s.isoformat()), s) + timedelta(days=1), window_start)
                for s in starts]
    wanted = [d for s, d in zip(starts, unsummed) if d <= min(period_end(s, period), last, today - timedelta(days=1))]
    rolled = records.records(records.DAILY, min(wanted), min(last, today - timedelta(days=1))) if wanted else {}
    rows, missing = [], []
    for start in starts:
        end = period_end(start, period)
        covered = days(start, min(end, last))
        record = period_records.get(start.isoformat())
        through = _summed_through(record, start)
        row = _empty_row()
        missing_here: list[str] = []
        if through >= start:
            row.update({k: int((record["totals"] or {}).get(k) or 0) for k in SUMS})
            for name in MAPS:
                row[name] = {k: int(v) for k, v in (record.get(name) or {}).items()}
            missing_here += list(record.get("missing_days") or [])
        daily_active = 0
        for day in covered:
            if day <= through:
                continue
            part, source = _day_row(day, today, rolled.get(day.isoformat()))
            if source == "missing":
                missing_here.append(day.isoformat())
            _add_row(row, part)
            daily_active += part["active_users"]
            if day == today:
                today_active = part["active_users"]
        # Distinct users per day, summed: the days a record sums are in its own daily records.
        row["active_user_days"] = daily_active + (int(record.get("active_user_days") or 0) if through >= start else 0)
        finished = [d for d in covered if d < today]
        if not finished:  # the period began today: today's distinct users are exact
            row["active_users"], active_through = today_active, today.isoformat()
        elif record:
            row["active_users"], active_through = int(record.get("active_users") or 0), record.get("active_through")
        else:
            row["active_users"], active_through = None, None
        for name in MAPS:
            row[name] = dict(sorted((k, v) for k, v in row[name].items() if v))
        missing += sorted(missing_here)
        rows.append({"period_start": start.isoformat(), "period_end": end.isoformat(), **_net(row),
                     "active_users_through": active_through, "days": len(covered),
                     "partial": end >= today or bool(missing_here)})
    return rows, _meta(period, first, last, missing)
