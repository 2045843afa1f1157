"""Runs the template's Lambda handlers in this process, like warm containers.

Every function shares the process (and so the environment, see docs/local-stack.md): its CodeUri and
its layers' folders go on sys.path and its handler module is imported on first use (the
cold start). One invocation at a time per function, as one Lambda container does, so a
handler's module-level state is never used by two requests at once.
"""
from __future__ import annotations

import importlib
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from .template import ACCOUNT_ID, Function, Template


class LambdaContext:
    """The context object the Python runtime passes to a handler."""

    def __init__(self, function: Function, *, region: str, prefix: str, log_group: str):
        self.function_name = f"{prefix}-{function.logical_id}"
        self.function_version = "$LATEST"
        self.invoked_function_arn = (
            f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{self.function_name}")
        self.memory_limit_in_mb = function.memory
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = log_group or f"/aws/lambda/{self.function_name}"
        self.log_stream_name = (f"{datetime.now(timezone.utc):%Y/%m/%d}/[$LATEST]"
                                f"{uuid.uuid4().hex}")
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + function.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class HandlerNotFound(RuntimeError):
    """The handler module or attribute of a function cannot be loaded."""


class Runtime:
    def __init__(self, template: Template, *, region: str = "af-south-1",
                 prefix: str = "cvchapchap-local", log_group: str = "", on_invoke=None):
        self.template = template
        self.region = region
        self.prefix = prefix
        self.log_group = log_group
        self.on_invoke = on_invoke  # called after every invocation (marks the state dirty)
        self._locks = {fid: threading.Lock() for fid in template.functions}
        self._handlers: dict[str, object] = {}
        self._import_lock = threading.Lock()

    def function(self, function_id: str) -> Function:
        try:
            return self.template.functions[function_id]
        except KeyError:
            raise KeyError(f"no function {function_id!r} in the template") from None

    def missing_sources(self) -> list[Function]:
        return [f for f in self.template.functions.values() if not f.source_file.exists()]

    def _add_paths(self, fn: Function) -> None:
        for folder in [*reversed(fn.layers), fn.code_uri]:
            text = str(folder)
            if text not in sys.path:
                sys.path.insert(0, text)

    def handler(self, fn: Function):
        found = self._handlers.get(fn.logical_id)
        if found is not None:
            return found
        with self._import_lock:
            self._add_paths(fn)
            module_name, attr = fn.module_name, fn.handler.rsplit(".", 1)[1]
            module = sys.modules.get(module_name)
            if module is not None and not _loaded_from(module, fn.code_uri):
                del sys.modules[module_name]  # same name from another CodeUri (tests)
            importlib.invalidate_caches()
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name and module_name.startswith(exc.name):
                    raise HandlerNotFound(
                        f"{fn.logical_id}: cannot import {module_name} "
                        f"({fn.source_file} does not exist yet?)") from exc
                raise
            handler = getattr(module, attr, None)
            if not callable(handler):
                raise HandlerNotFound(f"{fn.logical_id}: {module_name} has no function {attr}()")
            self._handlers[fn.logical_id] = handler
            return handler

    def context(self, fn: Function) -> LambdaContext:
        return LambdaContext(fn, region=self.region, prefix=self.prefix, log_group=self.log_group)

    def invoke(self, function_id: str, event, context: LambdaContext | None = None):
        """Run the function's handler with the event; exceptions propagate."""
        fn = self.function(function_id)
        handler = self.handler(fn)
        with self._locks[function_id]:
            ctx = context or self.context(fn)
            ctx._deadline = time.monotonic() + fn.timeout
            started = time.monotonic()
            try:
                return handler(event, ctx)
            finally:
                elapsed = time.monotonic() - started
                if elapsed > fn.timeout:
                    print(f"warning: {function_id} ran {elapsed:.1f} s, more than its Timeout of "
                          f"{fn.timeout} s: Lambda would have stopped it", file=sys.stderr)
                if self.on_invoke:
                    self.on_invoke(function_id)


def _loaded_from(module, folder: Path) -> bool:
    where = getattr(module, "__file__", None) or ""
    try:
        return Path(where).resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False
