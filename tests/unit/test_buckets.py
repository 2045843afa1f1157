"""Month-bucketed pages: a date range reads only its months, in order, with a signed cursor."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from chapchap import clock
from chapchap.data import buckets, table

pytestmark = pytest.mark.usefixtures("aws")


def put(moment: datetime, n: int, kind: str = "a"):
    at = clock.iso(moment)
    table.transact([table.put_op({"pk": f"T#{n}", "sk": "T", "kind": kind, "n": n,
                                  "gsi2pk": f"THINGS#{clock.business_month(moment)}", "gsi2sk": f"{at}#{n}"})])


def test_months():
    assert buckets.months(date(2025, 11, 30), date(2026, 2, 1)) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert buckets.months(date(2026, 2, 1), date(2026, 1, 1)) == []


def test_pages_walk_months_newest_first_and_respect_business_days(ddb_calls):
    base = datetime(2026, 1, 31, 20, 30, tzinfo=timezone.utc)  # 23:30 on 31 January in Dar es Salaam
    for n in range(12):
        put(base + timedelta(hours=n * 12), n)  # spans 31 Jan .. 6 Feb (business time)
    seen, page_cursor, calls = [], None, 0
    while True:
        with ddb_calls() as c:
            items, page_cursor = buckets.page(index="gsi2", prefix="THINGS", first=date(2026, 1, 31),
                                              last=date(2026, 2, 4), limit=3, page_cursor=page_cursor, scope="t")
        calls = max(calls, c.total)
        seen += [i["n"] for i in items]
        if not page_cursor:
            break
    # 4 Feb ends at 21:00 UTC on 4 Feb: items 0..8 (n=9 is 4 Feb 21:30 UTC = 5 Feb 00:30 in Dar).
    assert seen == list(range(8, -1, -1))
    assert calls <= 2
    with pytest.raises(Exception):
        buckets.page(index="gsi2", prefix="THINGS", first=date(2026, 1, 31), last=date(2026, 2, 4), limit=3,
                     page_cursor=page_cursor or "forged.cursor", scope="t")


def test_filters_and_oldest_first():
    base = datetime(2026, 3, 10, 8, 0, tzinfo=timezone.utc)
    for n in range(6):
        put(base + timedelta(hours=n), n, kind="b" if n % 2 else "a")
    items, nxt = buckets.page(index="gsi2", prefix="THINGS", first=date(2026, 3, 1), last=date(2026, 3, 31),
                              limit=10, page_cursor=None, scope="t", newest_first=False,
                              filter_expression="kind = :kind", filter_values={"kind": "b"})
    assert [i["n"] for i in items] == [1, 3, 5] and nxt is None
