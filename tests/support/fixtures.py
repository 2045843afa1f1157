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
    from chapchap.catalog import STARTER_TEMPLATES, seed_starter_templates

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
