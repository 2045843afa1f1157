"""Query strings of the admin lists: one reading of `limit`, `cursor`, `from`/`to`, `order`,
`sort` and the filters, with a 400 `BAD_QUERY` naming every bad parameter at once.

Dates are business-time calendar days (`YYYY-MM-DD`, inclusive). Without them a list covers
the last 90 business days up to today: `to` defaults to today, `from` to 89 days before `to`.
A cursor is signed for its list and the resolved filters (`scope`), so it cannot be replayed
with other filters or on another list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from chapchap import clock
from chapchap.errors import BadRequest
from chapchap.analytics.periods import DATE_MESSAGE, to_date

DEFAULT_DAYS = 90
MAX_DAYS = 3660  # ten years: what the month buckets cover in one walk


@dataclass
class ListQuery:
    raw: dict[str, str]
    limit: int = 20
    cursor: str | None = None
    first: date | None = None
    last: date | None = None
    order: str = "desc"
    sort: str | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def newest_first(self) -> bool:
        return self.order == "desc"

    def bad(self, name: str, message: str) -> None:
        self.problems.append({"field": name, "location": "query", "message": message})

    def text(self, name: str, *, pattern: str | None = None, max_length: int = 100,
             message: str = "is not valid") -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        value = value.strip()
        if not value or len(value) > max_length or (pattern and not re.fullmatch(pattern, value)):
            self.bad(name, message)
            return None
        return value

    def choice(self, name: str, allowed: tuple[str, ...]) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if value not in allowed:
            self.bad(name, f"must be one of: {', '.join(allowed)}")
            return None
        return value

    def boolean(self, name: str) -> bool | None:
        value = self.choice(name, ("true", "false"))
        return None if value is None else value == "true"

    def check(self) -> None:
        """Raise the 400 for everything found so far."""
        if self.problems:
            summary = "; ".join(f"{p['field']}: {p['message']}" for p in self.problems[:3])
            raise BadRequest(f"Bad query: {summary}", code="BAD_QUERY", details=self.problems)

    def scope(self, name: str, **filters: Any) -> str:
        """The cursor scope: the list, its resolved range, order, sort and filters."""
        parts = [name, f"{self.first}..{self.last}", self.order, self.sort or ""]
        parts += [f"{k}={'' if v is None else v}" for k, v in sorted(filters.items())]
        return "|".join(parts)


def _date(query: ListQuery, name: str) -> date | None:
    value = query.raw.get(name)
    if value is None:
        return None
    found = to_date(value)
    if found is None:
        query.bad(name, DATE_MESSAGE)
    return found


def read(params: dict[str, str] | None, *, allowed: tuple[str, ...], sorts: tuple[str, ...] = (),
         dated: bool = True, default_range: bool = True) -> ListQuery:
    """The common parameters; filters are read by the caller with `text`/`choice`/`boolean`,
    followed by `check()`. Unknown parameters are refused (a typo must not widen a list).
    Without `default_range`, missing dates stay None (unbounded)."""
    params = dict(params or {})
    query = ListQuery(raw=params)
    known = {"limit", "cursor", "order", *allowed, *(("sort",) if sorts else ()), *(("from", "to") if dated else ())}
    for name in sorted(set(params) - known):
        query.bad(name, f"unknown parameter; this list takes: {', '.join(sorted(known))}")
    raw_limit = params.get("limit")
    if raw_limit is not None:
        # ASCII digits only: str.isdigit() also takes "²", which int() refuses (a 500)
        if re.fullmatch(r"[0-9]{1,3}", raw_limit) and 1 <= int(raw_limit) <= 100:
            query.limit = int(raw_limit)
        else:
            query.bad("limit", "must be a whole number from 1 to 100")
    query.cursor = params.get("cursor") or None
    query.order = query.choice("order", ("asc", "desc")) or "desc"
    if sorts:
        query.sort = query.choice("sort", sorts) or sorts[0]
    if dated:
        first, last = _date(query, "from"), _date(query, "to")
        if default_range:
            if "to" not in params:
                last = clock.business_date()
            if "from" not in params and last is not None:
                first = last - timedelta(days=DEFAULT_DAYS - 1)
        if first and last:
            if first > last:
                query.bad("from", "must not be after to")
            elif (last - first).days >= MAX_DAYS:
                query.bad("from", f"the range may span at most {MAX_DAYS} days")
        query.first, query.last = first, last
    return query
