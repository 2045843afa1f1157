"""Schedule expressions of EventBridge rules and EventBridge Scheduler, at minute resolution.

    rate(5 minutes)              every 5 minutes from an anchor (the start of the local stack)
    cron(5 0 * * ? *)            minutes hours day-of-month month day-of-week year
    at(2026-01-31T09:30:00)      once (Scheduler only)

AWS cron: day-of-week 1-7 is SUN-SAT; exactly one of day-of-month and day-of-week is `?`;
wildcards `* ? , - /`, `L` (last day of month; `5L` last Thursday), `W` (`15W` nearest
weekday, `LW`) and `#` (`2#1` first Monday). Times are evaluated in the given time zone;
a local time skipped by a daylight-saving jump does not run, a repeated one runs once.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)}
DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}
_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def aws_weekday(day: date) -> int:
    """1 = Sunday ... 7 = Saturday, as AWS cron counts."""
    return (day.weekday() + 1) % 7 + 1


def _zone(tz: str | None):
    return ZoneInfo(tz) if tz and tz != "UTC" else UTC


@dataclass
class Rate:
    seconds: int
    anchor: datetime  # runs at anchor + k * seconds, k >= 1

    def next_after(self, moment: datetime) -> datetime:
        if moment < self.anchor:
            return self.anchor + timedelta(seconds=self.seconds)
        periods = int((moment - self.anchor).total_seconds() // self.seconds) + 1
        return self.anchor + timedelta(seconds=periods * self.seconds)


@dataclass
class At:
    when: datetime

    def next_after(self, moment: datetime) -> datetime | None:
        return self.when if self.when > moment else None


@dataclass
class _Field:
    values: set[int] = field(default_factory=set)
    any: bool = False  # `?` or `*` without step
    last: bool = False  # L in day-of-month
    last_weekday: bool = False  # LW
    nearest: set[int] = field(default_factory=set)  # 15W
    last_of: set[int] = field(default_factory=set)  # 5L in day-of-week
    nth: set[tuple[int, int]] = field(default_factory=set)  # 2#1 in day-of-week


def _number(text: str, names: dict[str, int] | None, low: int, high: int, what: str) -> int:
    key = text.upper()
    value = names[key] if names and key in names else int(text) if text.isdigit() else None
    if value is None or not low <= value <= high:
        raise ValueError(f"bad {what} value {text!r} (allowed {low}-{high})")
    return value


def _parse_field(text: str, low: int, high: int, what: str,
                 names: dict[str, int] | None = None, *, dom=False, dow=False) -> _Field:
    result = _Field()
    for part in text.split(","):
        upper = part.upper()
        if part in ("*", "?"):
            if part == "?" and not (dom or dow):
                raise ValueError(f"`?` is only allowed in day-of-month or day-of-week, not {what}")
            result.any = True
            continue
        if dom and upper == "L":
            result.last = True
            continue
        if dom and upper == "LW":
            result.last_weekday = True
            continue
        if dom and upper.endswith("W"):
            result.nearest.add(_number(part[:-1], None, low, high, what))
            continue
        if dow and upper == "L":
            result.values.add(7)  # alone, L means the last day of the week: Saturday
            continue
        if dow and upper.endswith("L"):
            result.last_of.add(_number(part[:-1], names, low, high, what))
            continue
        if dow and "#" in part:
            day, nth = part.split("#", 1)
            result.nth.add((_number(day, names, low, high, what), _number(nth, None, 1, 5, "#")))
            continue
        spec, _, step_text = part.partition("/")
        step = _number(step_text, None, 1, high, f"{what} step") if step_text else 1
        if spec == "*":
            start, end = low, high
        elif "-" in spec:
            a, b = spec.split("-", 1)
            start, end = _number(a, names, low, high, what), _number(b, names, low, high, what)
        else:
            start = _number(spec, names, low, high, what)
            end = high if step_text else start
        span = list(range(start, high + 1)) + list(range(low, end + 1)) if start > end \
            else list(range(start, end + 1))
        result.values.update(span[::step])
    return result


@dataclass
class Cron:
    minutes: _Field
    hours: _Field
    dom: _Field
    months: _Field
    dow: _Field
    years: _Field
    zone: object = UTC

    @classmethod
    def parse(cls, text: str, tz: str | None = None) -> "Cron":
        fields = text.split()
        if len(fields) != 6:
            raise ValueError(f"cron() needs 6 fields (minutes hours day-of-month month "
                             f"day-of-week year), got {len(fields)} in {text!r}")
        minute, hour, dom, month, dow, year = fields
        if (dom == "?") == (dow == "?"):
            raise ValueError(f"exactly one of day-of-month and day-of-week must be `?` in {text!r}")
        return cls(
            _parse_field(minute, 0, 59, "minutes"), _parse_field(hour, 0, 23, "hours"),
            _parse_field(dom, 1, 31, "day-of-month", dom=True),
            _parse_field(month, 1, 12, "month", MONTHS),
            _parse_field(dow, 1, 7, "day-of-week", DAYS, dow=True),
            _parse_field(year, 1970, 2199, "year"), _zone(tz))

    @staticmethod
    def _has(f: _Field, value: int) -> bool:
        return f.any or value in f.values

    def _day_matches(self, day: date) -> bool:
        if not (self._has(self.years, day.year) and self._has(self.months, day.month)):
            return False
        last = calendar.monthrange(day.year, day.month)[1]
        dom, dow, weekday = self.dom, self.dow, aws_weekday(day)
        if not dow.any:  # day-of-week rules
            return (weekday in dow.values or (weekday in dow.last_of and day.day + 7 > last)
                    or (weekday, (day.day - 1) // 7 + 1) in dow.nth)
        if dom.any or day.day in dom.values or (dom.last and day.day == last):
            return True
        if dom.last_weekday and day == _nearest_weekday(day.replace(day=last)):
            return True
        return any(day == _nearest_weekday(day.replace(day=n)) for n in dom.nearest if n <= last)

    def _times(self) -> list[tuple[int, int]]:
        hours = range(24) if self.hours.any else sorted(self.hours.values)
        minutes = range(60) if self.minutes.any else sorted(self.minutes.values)
        return [(h, m) for h in hours for m in minutes]

    def next_after(self, moment: datetime) -> datetime | None:
        """The first run strictly after `moment` (aware), in UTC; None when there is none."""
        local = moment.astimezone(self.zone)
        day = local.date()
        times = self._times()
        for _ in range(366 * 230):
            if day.year > 2199:
                return None
            if self._day_matches(day):
                for hour, minute in times:
                    candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)
                    if not _exists(candidate):
                        continue
                    as_utc = candidate.astimezone(UTC)
                    if as_utc > moment:
                        return as_utc
            day = _next_day(day, self)
        return None


def _next_day(day: date, cron: Cron) -> date:
    """The next day worth checking (skips years and months that cannot match)."""
    if not cron._has(cron.years, day.year):
        later = [y for y in cron.years.values if y > day.year]
        return date(min(later), 1, 1) if later else date(2200, 1, 1)
    if not cron._has(cron.months, day.month):
        return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return day + timedelta(days=1)


def _nearest_weekday(day: date) -> date:
    """The weekday (Mon-Fri) nearest to `day` within its month (the W wildcard)."""
    weekday = day.weekday()
    if weekday < 5:
        return day
    last = calendar.monthrange(day.year, day.month)[1]
    if weekday == 5:  # Saturday: Friday before, or Monday after on the 1st
        return day - timedelta(days=1) if day.day > 1 else day + timedelta(days=2)
    return day + timedelta(days=1) if day.day < last else day - timedelta(days=2)


def _exists(local: datetime) -> bool:
    """False for a wall-clock time that a daylight-saving jump skips."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def parse_schedule(expression: str, tz: str | None = None, anchor: datetime | None = None):
    """Rate, Cron or At for an expression; `anchor` is when a rate() starts counting."""
    text = expression.strip()
    found = re.fullmatch(r"(rate|cron|at)\((.*)\)", text, re.S)
    if not found:
        raise ValueError(f"unknown schedule expression {expression!r}")
    kind, body = found.group(1), found.group(2).strip()
    if kind == "cron":
        return Cron.parse(body, tz)
    if kind == "rate":
        rate = re.fullmatch(r"(\d+)\s+(\w+)", body)
        if not rate or rate.group(2).lower() not in _UNITS or int(rate.group(1)) < 1:
            raise ValueError(f"bad rate expression {expression!r} (e.g. rate(5 minutes))")
        anchor = anchor or datetime.now(UTC).replace(second=0, microsecond=0)
        return Rate(int(rate.group(1)) * _UNITS[rate.group(2).lower()], anchor)
    when = datetime.fromisoformat(body)
    return At(when.replace(tzinfo=_zone(tz)) if when.tzinfo is None else when)
