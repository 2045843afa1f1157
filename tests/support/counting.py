"""Count the DynamoDB calls a piece of code makes, by operation name, and the items they read."""
from __future__ import annotations

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


@contextmanager
def count_ddb_calls() -> Iterator[CallLog]:
    from chapchap.data import table

    calls = CallLog()

    def record(model, **_):
        calls[model.name] += 1

    def remember(params, context, **_):
        context["counted_params"] = params

    def read(model, parsed, context, **_):
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
