"""Count the DynamoDB calls a piece of code makes, by operation name."""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from typing import Iterator


class CallLog(Counter):
    @property
    def total(self) -> int:
        return sum(self.values())


@contextmanager
def count_ddb_calls() -> Iterator[CallLog]:
    from chapchap.data import table

    calls = CallLog()

    def record(model, **_):
        calls[model.name] += 1

    events = table.client().meta.events
    events.register("before-call.dynamodb", record, unique_id="test-call-counter")
    try:
        yield calls
    finally:
        events.unregister("before-call.dynamodb", unique_id="test-call-counter")
