"""The local stack (`python -m local`) in a subprocess, reached over HTTP on loopback.

    def test_x(stack):                      # one stack for the whole session
        r = stack.post("/api/auth/login", json={...})
        stack.url, stack.admin_email, stack.admin_password, stack.state_dir, stack.info()

    def test_y(start_stack, tmp_path):      # a stack of its own (state dir, restarts)
        s = start_stack(tmp_path / "state"); s.restart(); s.stop()

Startup is bounded (STARTUP_TIMEOUT); a failing session prints the stacks' output.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.stack import ADMIN_EMAIL, ADMIN_PASSWORD, ROOT, STARTUP_TIMEOUT, LocalStack, free_port  # noqa: F401


def _report(request, stacks: list[LocalStack]) -> None:
    if request.session.testsfailed:
        for s in stacks:
            sys.stderr.write(f"\n----- output of the local stack on {s.url} -----\n{s.output()}\n")


@pytest.fixture(scope="session")
def stack(request, tmp_path_factory):
    base = tmp_path_factory.mktemp("local-stack")
    running = LocalStack(base / "state", base / "stack.log").start()
    yield running
    running.stop()
    _report(request, [running])


@pytest.fixture
def start_stack(request, tmp_path):
    """Factory: start_stack(state_dir=None, **env) -> a started LocalStack of its own."""
    started: list[LocalStack] = []

    def start(state_dir: Path | None = None, **env) -> LocalStack:
        n = len(started)
        s = LocalStack(state_dir or tmp_path / f"state{n}", tmp_path / f"stack{n}.log", env)
        started.append(s)
        return s.start()

    yield start
    for s in started:
        s.stop()
    _report(request, started)
