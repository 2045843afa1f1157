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
    from chapchap.data import table
    from chapchap.settings import settings

    settings.cache_clear()
    table.reset_client()


@pytest.fixture
def api():
    """Call an HTTP function by method and path, as API Gateway would."""
    from tests.support.apigw import ApiClient

    return ApiClient()


@pytest.fixture
def ddb_calls():
    from tests.support.counting import count_ddb_calls

    return count_ddb_calls
