"""The offline world the unit tests run in, as plain context managers: the pytest fixtures
(tests/support/fixtures.py) and the benchmarks that call handlers against moto
(bench/ddb_calls.py, bench/rollup.py) share it, so both measure the same setup.

Nothing here talks to the internet: moto answers every AWS call in-process, and the
Selcom simulator listens on loopback.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent.parent
REGION = "af-south-1"
# Before boto3 or moto are imported: no real credentials, no real endpoints, ever.
OFFLINE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
    "JWT_SECRET": "test-secret-that-is-long-enough-for-hs256-0123456789",
    "BCRYPT_ROUNDS": "4",
    "POWERTOOLS_METRICS_NAMESPACE": "CvChapChapTest",
    "POWERTOOLS_SERVICE_NAME": "cvchapchap-test",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
SetEnv = Callable[[str, str], None]


def prepare_process() -> None:
    """Paths like the Lambda runtime's (layer, function code) and the offline environment."""
    for path in (ROOT / "layers" / "common", ROOT / "functions", ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ.update(OFFLINE_ENV)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)


@contextmanager
def scoped_env() -> Iterator[SetEnv]:
    """`setenv` outside pytest: every variable set through it is restored on exit."""
    saved: dict[str, str | None] = {}

    def setenv(name: str, value: str) -> None:
        saved.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    try:
        yield setenv
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def moto_account(setenv: SetEnv) -> Iterator[dict]:
    """A fresh moto account holding the table, queues and bucket of template.yaml; yields
    the physical resource ids. The functions' Globals environment goes through `setenv`."""
    from moto import mock_aws

    from local.aws import lighter_transactions
    from local.template import Resolver, create_resources, global_environment, load_template

    # Transactions cost their own items, not a copy of the table (see local/aws.py).
    lighter_transactions()
    with mock_aws():
        template = load_template()
        physical = create_resources(template, prefix="test", region=REGION)
        env = global_environment(template, Resolver(template, physical, REGION))
        for name, value in env.items():
            if name not in ("BCRYPT_ROUNDS", "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_SERVICE_NAME",
                            "POWERTOOLS_METRICS_NAMESPACE"):
                setenv(name, value)
        # SES sends only from a verified identity: the sender's, as an operator verifies it.
        if env.get("MAIL_FROM"):
            from email.utils import parseaddr

            import boto3

            boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=parseaddr(env["MAIL_FROM"])[1])
        reset_caches()
        try:
            yield physical
        finally:
            reset_caches()


def reset_caches() -> None:
    from aws_lambda_powertools.utilities import parameters

    from chapchap import queues, storage
    from chapchap.payments import selcom
    from chapchap.admin import settings as settings_store
    from chapchap.data import table
    from chapchap.messages import mail, sms
    from chapchap.settings import settings

    settings.cache_clear()
    settings_store.reset_cache()
    parameters.clear_caches()
    table.reset_client()
    storage.reset_client()
    queues.reset_client()
    selcom.reset_client()
    mail.reset_client()
    sms.reset_provider()


@contextmanager
def selcom_simulator(setenv: SetEnv):
    """The Selcom simulator on a loopback port, with our client pointed at it."""
    from chapchap.payments import selcom
    from chapchap.settings import settings
    from local.selcom_sim import start

    sim = start(api_key="test-selcom-key", api_secret="test-selcom-secret", vendor="TILL60001",
                webhook_delay=0.05, push_delay=0.05, webhook_attempts=1)
    for name, value in sim.env.items():
        setenv(name, value)
    setenv("SELCOM_READ_TIMEOUT", "1")
    # Webhooks from the simulator go nowhere (callers deliver them by hand); the local
    # stack's integration tests receive them over HTTP.
    setenv("PUBLIC_BASE_URL", "http://127.0.0.1:9")
    settings.cache_clear()
    selcom.reset_client()
    try:
        yield sim
    finally:
        sim.stop()
        selcom.reset_client()
