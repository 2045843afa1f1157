"""Fixtures: a moto account with the template's resources, handler invocation, call counts."""
from __future__ import annotations

import os

import pytest

REGION = "af-south-1"


@pytest.fixture
def aws(monkeypatch):
    """A fresh moto account holding the table, queues and bucket of template.yaml."""
    from moto import mock_aws

    from local.template import Resolver, create_resources, global_environment, load_template

    from local.aws import lighter_transactions

    # Transactions cost their own items, not a copy of the table (see local/aws.py).
    lighter_transactions()
    with mock_aws():
        template = load_template()
        physical = create_resources(template, prefix="test", region=REGION)
        env = global_environment(template, Resolver(template, physical, REGION))
        for name, value in env.items():
            if name not in ("BCRYPT_ROUNDS", "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_SERVICE_NAME",
                            "POWERTOOLS_METRICS_NAMESPACE"):
                monkeypatch.setenv(name, value)
        _reset_caches()
        yield physical
        _reset_caches()


def _reset_caches() -> None:
    from aws_lambda_powertools.utilities import parameters

    from chapchap import renders, selcom, settings_store, storage
    from chapchap.data import table
    from chapchap.settings import settings

    settings.cache_clear()
    settings_store.reset_cache()
    parameters.clear_caches()
    table.reset_client()
    storage.reset_client()
    renders.reset_client()
    selcom.reset_client()


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
    from chapchap import selcom
    from local.selcom_sim import start

    sim = start(api_key="test-selcom-key", api_secret="test-selcom-secret", vendor="TILL60001",
                webhook_delay=0.05, push_delay=0.05, webhook_attempts=1)
    for name, value in sim.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SELCOM_READ_TIMEOUT", "1")
    # Webhooks from the simulator go nowhere in unit tests (tests deliver them by hand);
    # the local stack's integration tests receive them over HTTP.
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:9")
    from chapchap.settings import settings
    settings.cache_clear()
    selcom.reset_client()
    yield sim
    sim.stop()
    selcom.reset_client()


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
