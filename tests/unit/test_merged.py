"""Merged month-bucketed pages: exact order across partitions, groups and pages, bounded calls."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest

from chapchap import clock
from chapchap.data import merged, table

pytestmark = pytest.mark.usefixtures("aws")

BASE = datetime(2026, 1, 30, 18, 0, tzinfo=timezone.utc)  # 30 Jan 21:00 in Dar es Salaam


def put(prefix: str, moment: datetime, n: int):
    at = clock.iso(moment)
    table.transact([table.put_op({"pk": f"T#{n}", "sk": "T", "n": n, "prefix": prefix, "at": at,
                                  "gsi1pk": f"{prefix}#{clock.business_month(moment)}", "gsi1sk": f"{at}#{n:04d}"})])
    return {"n": n, "prefix": prefix, "sk": f"{at}#{n:04d}", "day": clock.business_date(moment)}


@pytest.fixture(scope="module")
def spread():
    rng = random.Random(7)
    return [(rng.choice("ABC"), BASE + timedelta(minutes=rng.randrange(0, 60 * 24 * 40))) for _ in range(60)]


def walk(groups, first, last, limit, newest_first, ddb_calls=None):
    seen, page_cursor, pages, most = [], None, 0, 0
    while True:
        if ddb_calls:
            with ddb_calls() as calls:
                items, page_cursor = merged.page(index="gsi1", groups=groups, first=first, last=last, limit=limit,
                                                 page_cursor=page_cursor, scope="s", newest_first=newest_first)
            most = max(most, calls.total)
        else:
            items, page_cursor = merged.page(index="gsi1", groups=groups, first=first, last=last, limit=limit,
                                             page_cursor=page_cursor, scope="s", newest_first=newest_first)
        assert len(items) <= limit
        seen += [i["n"] for i in items]
        pages += 1
        if not page_cursor:
            return seen, most
        assert pages < 500


@pytest.mark.parametrize("limit", [1, 3, 7, 100])
@pytest.mark.parametrize("newest_first", [True, False])
def test_merge_matches_a_sort_of_everything(spread, limit, newest_first, ddb_calls):
    rows = [put(prefix, moment, n) for n, (prefix, moment) in enumerate(spread)]
    first, last = date(2026, 1, 31), date(2026, 2, 28)
    in_range = [r for r in rows if first <= r["day"] <= last]
    # One group merging A and C (B left out), then a group of B alone.
    groups = [["A", "C"], ["B"]]
    merged_part = sorted((r for r in in_range if r["prefix"] in "AC"), key=lambda r: r["sk"], reverse=newest_first)
    b_part = sorted((r for r in in_range if r["prefix"] == "B"), key=lambda r: r["sk"], reverse=newest_first)
    seen, most = walk(groups, first, last, limit, newest_first, ddb_calls)
    assert seen == [r["n"] for r in merged_part + b_part]
    assert most <= 16


def test_cursor_is_bound_to_its_scope():
    for n in range(5):
        put("A", BASE + timedelta(days=2, hours=n), n)
    items, page_cursor = merged.page(index="gsi1", groups=[["A"]], first=date(2026, 2, 1), last=date(2026, 2, 5),
                                     limit=2, page_cursor=None, scope="s")
    assert len(items) == 2 and page_cursor
    with pytest.raises(Exception) as caught:
        merged.page(index="gsi1", groups=[["A"]], first=date(2026, 2, 1), last=date(2026, 2, 5), limit=2,
                    page_cursor=page_cursor, scope="other")
    assert getattr(caught.value, "code", None) == "BAD_CURSOR"
