"""A Python client generated from openapi.json reads the way a developer would write it.

openapi-python-client (pinned in requirements-dev.txt) turns each operationId into a module
and function, and each named schema into a model class: the names below are what someone
generating a client for the frontend or the dashboard meets first. Runs offline.
"""
from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from local.openapi import OUTPUT

PACKAGE = "cvchapchap_client"


@pytest.fixture(scope="module")
def client_dir(tmp_path_factory):
    where = tmp_path_factory.mktemp("client")
    config = where / "config.yaml"
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(OUTPUT), "--meta", "none",
         "--output-path", str(where / PACKAGE), "--config", str(config)],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(where))
    yield where / PACKAGE
    sys.path.remove(str(where))
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


@pytest.mark.parametrize("module", [
    "api/cvs/create_cv.py", "api/cvs/list_my_cvs.py", "api/auth/login.py", "api/payments/initiate_payment.py",
    "api/payments/download_cv.py", "api/admin/get_admin_stats.py", "api/admin/list_users.py",
])
def test_operations_are_named_for_people(client_dir, module):
    assert (client_dir / module).is_file()


def test_no_name_comes_from_a_lambda_function(client_dir):
    names = [p.name for p in client_dir.rglob("*.py")]
    assert not [n for n in names if "function" in n or "_response_2" in n]


def test_envelopes_are_named_models(client_dir):
    models = importlib.import_module(f"{PACKAGE}.models")
    for name in ("CvEnvelope", "CvListEnvelope", "CvCreatedEnvelope", "PaymentStartedEnvelope",
                 "DownloadEnvelope", "RenderingEnvelope", "AdminStatsEnvelope", "ErrorEnvelope"):
        assert hasattr(models, name), name
    page = models.CvListEnvelope.from_dict({"data": [], "meta": {"limit": 20, "next_cursor": None}})
    assert page.meta.limit == 20 and page.data == []
    create_cv = importlib.import_module(f"{PACKAGE}.api.cvs.create_cv")
    assert callable(create_cv.sync) and callable(create_cv.sync_detailed)
