"""moto in-process with DynamoDB's transaction conflicts (local/conflicts.py) for tests that
race real handlers in threads: moto's dispatch is serialised (its backend is not
thread-safe), each request's duration is waited out after leaving that lock, so requests of
different threads overlap as they would against DynamoDB."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def conflicting_moto(hold: float) -> Iterator[None]:
    from moto.core import botocore_stubber

    from local import conflicts

    lock = threading.Lock()
    original = botocore_stubber.BotocoreStubber.__call__

    def serialised(self, *args, **kwargs):
        try:
            with lock:
                return original(self, *args, **kwargs)
        finally:
            conflicts.settle()

    conflicts.enable(hold)
    conflicts.defer_wait = True
    conflicts.STATS.reset()
    botocore_stubber.BotocoreStubber.__call__ = serialised
    try:
        yield
    finally:
        botocore_stubber.BotocoreStubber.__call__ = original
        conflicts.disable()
