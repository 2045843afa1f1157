"""Count the DynamoDB calls a piece of code makes, by operation name, and the items they read.

With `units=True`, also the on-demand request units they would be billed (`read_units`,
`write_units`), computed from item sizes as DynamoDB documents them: a read is 1 unit per
4 KB (half for an eventually consistent read; a Query sums the items it went through before
rounding), a write 1 unit per 1 KB of the larger of the item before and after, transactions
cost twice, and a write also costs 1 unit per KB in each global secondary index (all of this
table's are ALL-projected) that the item is in before or after. Sizes before and after a
write are read with a second, uncounted client (moto keeps no capacity figures of its own).
"""
from __future__ import annotations

import math
from collections import Counter
from contextlib import contextmanager
from typing import Any, Iterator


class CallLog(Counter):
    """Calls by operation; `items_read` by operation, and `reads`: one entry per read call
    with the partition it read (`pk`, and `index` for a GSI) and how many items it read."""

    def __init__(self) -> None:
        super().__init__()
        self.items_read: Counter = Counter()
        self.reads: list[dict[str, Any]] = []

    @property
    def total(self) -> int:
        return sum(self.values())

    @property
    def total_items_read(self) -> int:
        return sum(self.items_read.values())

    read_units: float = 0.0
    write_units: float = 0.0
    items_written: int = 0
    metering_seconds: float = 0.0  # time spent sizing items: not the code's own


GSI_KEYS = ("gsi1pk", "gsi2pk", "gsi3pk")


def attribute_size(value: dict[str, Any]) -> int:
    """Bytes of one attribute value, by DynamoDB's item-size rules (numbers approximated)."""
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode("utf-8"))
    if kind == "N":
        digits = len(v.lstrip("-").replace(".", "").lstrip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_size({kind[0]: x}) for x in v)
    if kind == "L":
        return 3 + sum(1 + attribute_size(x) for x in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + attribute_size(x) for k, x in v.items())
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(k.encode("utf-8")) + attribute_size(v) for k, v in item.items())


def read_units(sizes: list[int], *, consistent: bool = False, transactional: bool = False,
               per_item: bool = True) -> float:
    """Units for items read: each item rounded up to 4 KB (GetItem, BatchGetItem) or their
    sum rounded once (Query, `per_item=False`); at least one 4 KB block per request."""
    blocks = (sum(max(1, math.ceil(s / 4096)) for s in sizes) if per_item
              else max(1, math.ceil(sum(sizes) / 4096)))
    if per_item and not sizes:
        blocks = 1
    return blocks * (2 if transactional else 1 if consistent else 0.5)


def write_units(before: dict | None, after: dict | None, *, transactional: bool = False) -> float:
    size = max(item_size(before), item_size(after))
    units = max(1, math.ceil(size / 1024)) * (2 if transactional else 1)
    for gsi in GSI_KEYS:  # index maintenance is billed to the table's writes, never transactional
        for image in (before, after):
            if image and gsi in image:
                units += max(1, math.ceil(item_size(image) / 1024))
    return units


def _partition(params: dict[str, Any]) -> str | None:
    if "Key" in params:
        return (params["Key"].get("pk") or {}).get("S")
    values = params.get("ExpressionAttributeValues") or {}
    return (values.get(":pk") or {}).get("S")


def _items(operation: str, parsed: dict[str, Any]) -> int:
    """Items the call read: for a Query, every item of the key range it went through
    (ScannedCount, before any filter; a Select=COUNT query reads them all the same)."""
    if operation in ("Query", "Scan"):
        return int(parsed.get("ScannedCount", parsed.get("Count", 0)))
    if operation == "GetItem":
        return 1 if parsed.get("Item") else 0
    if operation in ("BatchGetItem", "TransactGetItems"):
        responses = parsed.get("Responses") or {}
        if isinstance(responses, list):
            return sum(1 for r in responses if r.get("Item"))
        return sum(len(items) for items in responses.values())
    return 0


def _key_of(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in ("pk", "sk") if k in item}


class _Units:
    """Request units of each call: sizes of the items a write touches, before and after."""

    def __init__(self, calls: CallLog) -> None:
        import boto3

        self.calls = calls
        self.peek = boto3.client("dynamodb")  # not table.client(): its calls are not counted
        self.pending: list[tuple[str, dict, dict | None, bool, str]] = []

    def _get(self, table_name: str, key: dict) -> dict | None:
        import time

        started = time.perf_counter()
        try:
            return self.peek.get_item(TableName=table_name, Key=key, ConsistentRead=True).get("Item")
        finally:
            self.calls.metering_seconds += time.perf_counter() - started

    def _writes(self, operation: str, params: dict) -> list[tuple[str, dict, str]]:
        """(table, key, kind) of each item the call writes."""
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            key = params.get("Key") or _key_of(params.get("Item") or {})
            return [(params["TableName"], key, operation)]
        if operation == "BatchWriteItem":
            out = []
            for name, requests in (params.get("RequestItems") or {}).items():
                for r in requests:
                    if "PutRequest" in r:
                        out.append((name, _key_of(r["PutRequest"]["Item"]), "PutItem"))
                    elif "DeleteRequest" in r:
                        out.append((name, r["DeleteRequest"]["Key"], "DeleteItem"))
            return out
        if operation == "TransactWriteItems":
            out = []
            for entry in params.get("TransactItems") or []:
                (kind, body), = entry.items()
                key = body.get("Key") or _key_of(body.get("Item") or {})
                out.append((body["TableName"], key, kind))
            return out
        return []

    def before(self, operation: str, params: dict) -> None:
        self.pending = [(name, key, self._get(name, key), operation == "TransactWriteItems", kind)
                        for name, key, kind in self._writes(operation, params)]

    def after(self, operation: str, params: dict, parsed: dict) -> None:
        if "Error" in (parsed or {}):
            # A refused write (condition failed, cancelled transaction) is still billed.
            for _name, _key, before, txn, _kind in self.pending:
                self.calls.write_units += write_units(before, before, transactional=txn)
            self.pending = []
            return
        for name, key, before, txn, kind in self.pending:
            after = None if kind in ("DeleteItem", "Delete") else before if kind == "ConditionCheck" \
                else self._get(name, key)
            self.calls.write_units += write_units(before, after, transactional=txn)
            self.calls.items_written += kind != "ConditionCheck"
        self.pending = []
        consistent = bool(params.get("ConsistentRead"))
        if operation == "GetItem":
            self.calls.read_units += read_units([item_size(parsed.get("Item"))] if parsed.get("Item") else [],
                                                consistent=consistent)
        elif operation == "BatchGetItem":
            sizes = [item_size(i) for items in (parsed.get("Responses") or {}).values() for i in items]
            strong = any(r.get("ConsistentRead") for r in (params.get("RequestItems") or {}).values())
            self.calls.read_units += read_units(sizes, consistent=strong) if sizes else 0
        elif operation == "TransactGetItems":
            sizes = [item_size(r.get("Item")) for r in parsed.get("Responses") or [] if r.get("Item")]
            self.calls.read_units += read_units(sizes, transactional=True)
        elif operation in ("Query", "Scan"):
            items = parsed.get("Items") or []
            sizes = [item_size(i) for i in items]
            unseen = int(parsed.get("ScannedCount", len(items))) - len(items)
            if unseen > 0:  # filtered out or Select=COUNT: sized like those returned (200 B if none)
                sizes += [int(sum(sizes) / len(sizes)) if sizes else 200] * unseen
            self.calls.read_units += read_units(sizes, consistent=consistent, per_item=False)


@contextmanager
def count_ddb_calls(*, units: bool = False) -> Iterator[CallLog]:
    from chapchap.data import table

    calls = CallLog()
    meter = _Units(calls) if units else None

    def record(model, **_):
        calls[model.name] += 1

    def remember(params, context, model=None, **_):
        context["counted_params"] = params
        if meter is not None and model is not None:
            meter.before(model.name, params)

    def read(model, parsed, context, **_):
        if meter is not None:
            meter.after(model.name, context.get("counted_params") or {}, parsed or {})
        items = _items(model.name, parsed or {})
        if items or model.name in ("Query", "Scan", "GetItem", "BatchGetItem", "TransactGetItems"):
            params = context.get("counted_params") or {}
            calls.items_read[model.name] += items
            calls.reads.append({"op": model.name, "pk": _partition(params), "index": params.get("IndexName"),
                                "items": items})

    events = table.client().meta.events
    events.register("before-call.dynamodb", record, unique_id="test-call-counter")
    events.register("before-parameter-build.dynamodb", remember, unique_id="test-call-params")
    events.register("after-call.dynamodb", read, unique_id="test-call-items")
    try:
        yield calls
    finally:
        events.unregister("before-call.dynamodb", unique_id="test-call-counter")
        events.unregister("before-parameter-build.dynamodb", unique_id="test-call-params")
        events.unregister("after-call.dynamodb", unique_id="test-call-items")
