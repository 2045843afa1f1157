"""Analytics records and the reads of the daily rollup.

    ANALYTICS#DAILY   / <YYYY-MM-DD>   one business day, recomputed from that day's own items
    ANALYTICS#WEEKLY  / <monday>       an ISO week: distinct active users of its finished days, and
                                       the sums of its daily records through `active_through`
                                       (`totals`, the template maps, `missing_days`)
    ANALYTICS#MONTHLY / <YYYY-MM-01>   the same for a calendar month

A long weekly or monthly series reads the period records (120 months or 156 weeks: one Query)
instead of thousands of days. A year of daily records is one Query (a record is well under 2 KB; 1 MB holds 500+). The
rollup reads only keyed ranges: `Select=COUNT` where a number is all it needs, a
projection of the attributes it sums otherwise; it never Scans.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from chapchap.data import counters, table

DAILY = "ANALYTICS#DAILY"
WEEKLY = "ANALYTICS#WEEKLY"
MONTHLY = "ANALYTICS#MONTHLY"
PERIOD_PARTITIONS = {"weekly": WEEKLY, "monthly": MONTHLY}


def _key_query(*, pk: str, index: str | None, sk_between: tuple[str, str] | None) -> dict[str, Any]:
    prefix = index or ""
    pk_name, sk_name = (f"{prefix}pk", f"{prefix}sk") if index else ("pk", "sk")
    kwargs: dict[str, Any] = {
        "TableName": table.table_name(),
        "KeyConditionExpression": "#pk = :pk" + (" AND #sk BETWEEN :lower AND :upper" if sk_between else ""),
        "ExpressionAttributeNames": {"#pk": pk_name, **({"#sk": sk_name} if sk_between else {})},
        "ExpressionAttributeValues": {":pk": {"S": pk}},
    }
    if sk_between:
        kwargs["ExpressionAttributeValues"].update({":lower": {"S": sk_between[0]}, ":upper": {"S": sk_between[1]}})
    if index:
        kwargs["IndexName"] = index
    return kwargs


def count(*, pk: str, index: str | None = None, sk_between: tuple[str, str] | None = None) -> int:
    """How many items a key range holds (Select=COUNT: one call per 1 MB read)."""
    kwargs = {**_key_query(pk=pk, index=index, sk_between=sk_between), "Select": "COUNT"}
    total = 0
    while True:
        response = table.client().query(**kwargs)
        total += int(response.get("Count", 0))
        last = response.get("LastEvaluatedKey")
        if not last:
            return total
        kwargs["ExclusiveStartKey"] = last


def project(*, pk: str, attributes: list[str], index: str | None = None,
            sk_between: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    """The given attributes of every item in a key range (one call per 1 MB read)."""
    kwargs = _key_query(pk=pk, index=index, sk_between=sk_between)
    names = {f"#a{n}": name for n, name in enumerate(attributes)}
    kwargs["ExpressionAttributeNames"].update(names)
    kwargs["ProjectionExpression"] = ", ".join(names)
    found: list[dict[str, Any]] = []
    while True:
        response = table.client().query(**kwargs)
        found.extend(table.deserialize(raw) for raw in response.get("Items", []))
        last = response.get("LastEvaluatedKey")
        if not last:
            return found
        kwargs["ExclusiveStartKey"] = last


def put(record: dict[str, Any]) -> None:
    """Overwrite a record: the same inputs give the same item (idempotent)."""
    table.put(record)


def records(partition: str, first: date, last: date, *, max_calls: int = 3,
            consistent: bool = False) -> dict[str, dict[str, Any]]:
    """Records of a partition with sort keys (dates) in [first, last], by sort key.
    `consistent`: the rollup reads back the daily records it has just written."""
    found: dict[str, dict[str, Any]] = {}
    start_key = None
    for _ in range(max_calls):
        items, start_key = table.query(pk=partition, sk_condition="sk BETWEEN :first AND :last",
                                       sk_values={"first": first.isoformat(), "last": last.isoformat()},
                                       start_key=start_key, consistent=consistent)
        found.update((item["sk"], item) for item in items)
        if not start_key:
            break
    return found


def live_day(day: date) -> dict[str, dict[str, Any]]:
    """The live counters of one business day: `DAY` and every `TEMPLATE#<id>`, their shards
    added up (counters.day_items: one Query per shard)."""
    return counters.day_items(day)
