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
    from chapchap import renders, storage
    from chapchap.data import table
    from chapchap.settings import settings

    settings.cache_clear()
    table.reset_client()
    storage.reset_client()
    renders.reset_client()


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
