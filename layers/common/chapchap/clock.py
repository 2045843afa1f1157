"""Time: UTC for storage, the business time zone for "today" and for periods."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

from chapchap.settings import settings


def now() -> datetime:
    """The current instant, aware, in UTC. Tests freeze it by patching this function."""
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the millisecond (sorts as text)."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return iso(now())


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def business_tz() -> ZoneInfo:
    return _zone(settings().business_timezone)


def business_date(moment: datetime | None = None) -> date:
    """The calendar date in the business time zone (Dar es Salaam by default)."""
    return (moment or now()).astimezone(business_tz()).date()


def business_day_bounds(day: date) -> tuple[datetime, datetime]:
    """UTC instants [start, end) of a business day."""
    start = datetime.combine(day, time.min, tzinfo=business_tz())
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=business_tz())
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def business_month(moment: datetime | None = None) -> str:
    """`YYYY-MM` in the business time zone: the bucket of time-ordered admin lists."""
    return business_date(moment).strftime("%Y-%m")


def epoch_seconds(moment: datetime | None = None) -> int:
    return int((moment or now()).timestamp())
