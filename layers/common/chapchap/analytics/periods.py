"""Query parameters of the admin views, and business-time periods (days, ISO weeks, months).

Every admin list and report reads its parameters through these helpers, so a bad value is
always the same 400 `BAD_QUERY` naming the parameter, and an unknown parameter (a typo such
as `state=completed`) is refused rather than silently ignored. Dates are business days
(`BUSINESS_TIMEZONE`), inclusive at both ends.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Iterable, Mapping

from chapchap import clock
from chapchap.errors import BadRequest

PERIODS = ("daily", "weekly", "monthly")
# Years 2000..2999 only: ranges, defaults and day bounds are computed from these dates, and
# near year 1 or 9999 that arithmetic overflows (a 500 instead of a 400).
DATE_PATTERN = r"2[0-9]{3}-[0-9]{2}-[0-9]{2}"
DATE_MESSAGE = "must be a date YYYY-MM-DD from 2000 to 2999"


def to_date(value: str) -> date | None:
    """The date `YYYY-MM-DD` (ASCII digits, 2000..2999), else None."""
    if not re.fullmatch(DATE_PATTERN, value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def bad_query(field: str, message: str) -> BadRequest:
    return BadRequest(f"{field}: {message}", code="BAD_QUERY",
                      details=[{"field": field, "location": "query", "message": message}])


def check_known(query: Mapping[str, str], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    unknown = sorted(set(query) - allowed)
    if unknown:
        raise bad_query(unknown[0], f"unknown parameter; this list takes {', '.join(sorted(allowed))}")


def parse_date(value: str, field: str) -> date:
    found = to_date(value)
    if found is None:
        raise bad_query(field, DATE_MESSAGE)
    return found


def date_range(query: Mapping[str, str], *, default_days: int, max_days: int,
               today: date | None = None) -> tuple[date, date]:
    """`from` and `to` (inclusive business days). Without `to`: today; without `from`:
    `default_days` days ending at `to`. More than `max_days` days is a 400."""
    today = today or clock.business_date()
    last = parse_date(query["to"], "to") if query.get("to") is not None else today
    first = (parse_date(query["from"], "from") if query.get("from") is not None
             else last - timedelta(days=default_days - 1))
    if first > last:
        raise bad_query("from", "must not be after to")
    if (last - first).days + 1 > max_days:
        raise bad_query("from", f"the range is longer than {max_days} days; narrow from/to")
    return first, last


def choice(query: Mapping[str, str], name: str, allowed: Iterable[str], default: str | None) -> str | None:
    value = query.get(name)
    if value is None:  # an empty value is refused like any other, as the admin lists do
        return default
    allowed = tuple(allowed)
    if value not in allowed:
        raise bad_query(name, f"must be one of {', '.join(allowed)}")
    return value


def flag(query: Mapping[str, str], name: str) -> bool | None:
    value = query.get(name)
    if value is None:
        return None
    if value not in ("true", "false"):
        raise bad_query(name, "must be true or false")
    return value == "true"


# ---------------------------------------------------------------- periods
def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def week_start(day: date) -> date:
    """Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def period_start(day: date, period: str) -> date:
    if period == "weekly":
        return week_start(day)
    if period == "monthly":
        return month_start(day)
    return day


def period_end(day: date, period: str) -> date:
    if period == "weekly":
        return week_start(day) + timedelta(days=6)
    if period == "monthly":
        return month_end(day)
    return day
