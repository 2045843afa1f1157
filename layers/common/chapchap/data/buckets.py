"""Paging through time-bucketed lists (docs/data.md, rule 5).

Items that admins list by date carry `<index>pk = <PREFIX>#<YYYY-MM>` (business month) and a
sort key starting with an ISO UTC timestamp. A date range reads only its months, newest (or
oldest) first, and a page costs one Query per month it touches: its cost follows the page and
the range, never the table. The cursor remembers the month and DynamoDB's key within it.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from chapchap import clock, cursor
from chapchap.data import table

MAX_MONTHS = 120
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def months(first: date, last: date) -> list[str]:
    """`YYYY-MM` from `first` to `last` inclusive, in order (at most MAX_MONTHS)."""
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month) and len(out) < MAX_MONTHS:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_range(options: dict[str, Any] | None, *, max_months: int) -> list[str]:
    """The months of an operator's `{"from": "YYYY-MM", "to": "YYYY-MM"}` (each defaults to this
    business month), 1 to `max_months` of them; ValueError otherwise (for the backfills)."""
    from chapchap import clock

    options = options or {}
    bounds = []
    for name in ("from", "to"):
        raw = str(options.get(name) or clock.business_month())
        if not _MONTH.fullmatch(raw):
            raise ValueError(f"{name}: a month as YYYY-MM")
        bounds.append(date(int(raw[:4]), int(raw[5:7]), 1))
    found = months(*bounds)
    if not found or len(found) > max_months:
        raise ValueError(f"from..to: 1 to {max_months} months, from not after to")
    return found


def page(*, index: str, prefix: str, first: date, last: date, limit: int, page_cursor: str | None,
         scope: str, newest_first: bool = True, filter_expression: str | None = None,
         names: dict[str, str] | None = None, filter_values: dict[str, Any] | None = None,
         max_queries: int = 12) -> tuple[list[dict], str | None]:
    """One page of the items created in the business days [first, last], across month buckets.

    A `filter_expression` narrows within the key range; DynamoDB applies it after reading, so a
    rare filter may give a short page with a cursor (the client asks for the next page).
    `max_queries` bounds the calls of one request whatever the range."""
    start_utc, _ = clock.business_day_bounds(first)
    _, end_utc = clock.business_day_bounds(last)
    bounds = {"lower": clock.iso(start_utc), "upper": clock.iso(end_utc)}
    buckets = months(first, last)
    if newest_first:
        buckets.reverse()
    if not buckets:
        return [], None
    state = cursor.decode(page_cursor, scope) or {"m": buckets[0], "k": None}
    if state.get("m") not in buckets:
        return [], None
    position, start_key = buckets.index(state["m"]), state.get("k")
    items: list[dict] = []
    for _ in range(max_queries):
        found, start_key = table.query(
            index=index, pk_name=f"{index}pk", pk=f"{prefix}#{buckets[position]}",
            sk_condition=f"{index}sk BETWEEN :lower AND :upper",
            sk_values={**bounds, **(filter_values or {})}, names=names,
            filter_expression=filter_expression, limit=limit - len(items),
            forward=not newest_first, start_key=start_key)
        items.extend(found)
        if start_key is None:
            position += 1
        if position >= len(buckets) or len(items) >= limit:
            break
    if position >= len(buckets):
        return items, None
    return items, cursor.encode({"m": buckets[position], "k": start_key}, scope)
