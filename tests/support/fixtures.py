"""Fixtures: a moto account with the template's resources, handler invocation, call counts."""
from __future__ import annotations

import os

import pytest

from tests.support.world import REGION


@pytest.fixture
def aws(monkeypatch):
    """A fresh moto account holding the table, queues and bucket of template.yaml."""
    from tests.support.world import moto_account

    with moto_account(monkeypatch.setenv) as physical:
        yield physical


@pytest.fixture
def catalog(aws):
    """The starter templates, as the local stack seeds them."""
    from chapchap.templates.catalog import STARTER_TEMPLATES, seed_starter_templates

    seed_starter_templates()
    return {t["id"]: t for t in STARTER_TEMPLATES}


@pytest.fixture
def queue_messages(aws):
    """Read (and delete) what is waiting on the PDF queue."""
    import json

    import boto3

    def read() -> list[dict]:
        sqs = boto3.client("sqs", region_name=REGION)
        url = os.environ["PDF_QUEUE_URL"]
        found = []
        while True:
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return found
            for message in batch:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    return read


@pytest.fixture
def api():
    """Call an HTTP function by method and path, as API Gateway would."""
    from tests.support.apigw import ApiClient

    return ApiClient()


@pytest.fixture
def ddb_calls():
    from tests.support.counting import count_ddb_calls

    return count_ddb_calls


@pytest.fixture
def selcom_sim(aws, monkeypatch):
    """The Selcom simulator on a loopback port, with our client pointed at it."""
    from tests.support.world import selcom_simulator

    with selcom_simulator(monkeypatch.setenv) as sim:
        yield sim


@pytest.fixture
def serialized_moto():
    """moto's in-process backend is not thread-safe; serialise its dispatch only, so tests
    can race our code (each DynamoDB call stays atomic, as in DynamoDB itself)."""
    import threading

    from moto.core import botocore_stubber

    lock = threading.Lock()
    original = botocore_stubber.BotocoreStubber.__call__

    def locked(self, *args, **kwargs):
        with lock:
            return original(self, *args, **kwargs)

    botocore_stubber.BotocoreStubber.__call__ = locked
    yield
    botocore_stubber.BotocoreStubber.__call__ = original


# ---------------------------------------------------------------- a moved clock
# `--now=2027-01-31T22:30:00Z` (or CHAPCHAP_TEST_NOW=...) runs the session as if the wall clock
# read that instant: time-machine moves time.time, datetime.now, date.today and the C-level
# clock of this process, and lets it tick from there. Code in other processes (the local stack
# that the integration tests start with `python -m local`) keeps the real clock, so those
# tests are skipped under a moved clock: the moved-clock runs cover the in-process handlers
# on moto, which is where business days, weeks and months are computed.
MOVED_CLOCK_ENV = "CHAPCHAP_TEST_NOW"


def pytest_addoption(parser):
    parser.addoption("--now", default=os.environ.get(MOVED_CLOCK_ENV) or None, metavar="ISO_INSTANT",
                     help=f"run the tests with the clock moved to this UTC instant (also ${MOVED_CLOCK_ENV})")


def moved_clock(config) -> str | None:
    return config.getoption("--now", default=None)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    instant = moved_clock(config)
    if not instant:
        return
    from datetime import datetime

    import time_machine

    destination = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    if destination.tzinfo is None:
        raise pytest.UsageError(f"--now needs an instant with its offset (e.g. 2027-01-31T22:30:00Z), not {instant}")
    traveller = time_machine.travel(destination, tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)


def pytest_report_header(config):
    instant = moved_clock(config)
    return f"clock moved to {instant} (time-machine, ticking); integration tests skipped" if instant else None


def pytest_collection_modifyitems(config, items):
    if not moved_clock(config):
        return
    other_process = pytest.mark.skip(reason="the local stack runs in another process, on the real clock")
    for item in items:
        if "integration" in item.path.parts or item.get_closest_marker("integration"):
            item.add_marker(other_process)
