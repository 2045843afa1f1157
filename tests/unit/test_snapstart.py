"""SnapStart: the after-restore hook forgets what a snapshot must not share, and the
template publishes versions behind the alias `live` (SnapStart itself behind a parameter)."""
from __future__ import annotations

import random
import sys
import types

import pytest

from local.template import load_template


def _fill_every_cache(monkeypatch):
    """What a container holds after its import and first requests."""
    import boto3
    from aws_lambda_powertools.utilities import parameters
    from chapchap import storage
    from chapchap import queues
    from chapchap.messages import mail
    from chapchap.payments import selcom
    from chapchap.admin import settings as settings_store
    from chapchap.auth import passwords
    from chapchap.data import table
    from chapchap.settings import settings

    boto3.client("ssm").put_parameter(Name=f"{settings().secrets_path}/snap-test", Value="v",
                                      Type="SecureString")
    monkeypatch.delenv("SNAP_TEST", raising=False)
    from chapchap.secretstore import get_secret

    assert get_secret("snap-test") == "v"
    table.client()
    storage.client()
    queues.client()
    mail._client()
    selcom._shared_session()
    settings_store.default_price()
    passwords.verify_password("whatever", None)
    boto3.DEFAULT_SESSION.get_credentials()
    assert parameters.base.DEFAULT_PROVIDERS
    assert passwords._dummy_hash.cache_info().currsize == 1
    assert boto3.DEFAULT_SESSION._session._credentials is not None


def test_after_restore_drops_clients_connections_credentials_and_timed_caches(aws, monkeypatch):
    import boto3
    from aws_lambda_powertools.utilities import parameters
    from chapchap import snapstart, storage
    from chapchap import queues
    from chapchap.messages import mail
    from chapchap.payments import selcom
    from chapchap.admin import settings as settings_store
    from chapchap.auth import passwords
    from chapchap.data import table

    _fill_every_cache(monkeypatch)
    old_table = table.client()

    reset = snapstart.after_restore()

    assert table._client is None and storage._client is None and queues._sqs is None and mail._ses is None
    assert selcom._client is None and selcom._session is None
    assert not parameters.base.DEFAULT_PROVIDERS
    from chapchap.templates import catalog
    assert catalog._price_cache["value"] is None
    assert passwords._dummy_hash.cache_info().currsize == 0
    assert boto3.DEFAULT_SESSION._session._credentials is None
    assert {"random", "chapchap.data.table", "boto3 credentials", "parameters", "price cache"} <= set(reset)
    # and everything is made again on the next request
    assert table.client() is not old_table
    assert settings_store.default_price() > 0


def test_after_restore_reseeds_random():
    from chapchap import snapstart

    random.seed(1234)
    frozen = [random.random() for _ in range(4)]
    random.seed(1234)  # the state every restored container would share
    snapstart.after_restore()
    assert [random.random() for _ in range(4)] != frozen


def test_after_restore_imports_nothing_new():
    from chapchap import snapstart

    before = set(sys.modules)
    snapstart.after_restore()
    assert set(sys.modules) == before


def test_register_uses_the_lambda_runtime_module_when_present(monkeypatch):
    from chapchap import snapstart

    monkeypatch.setattr(snapstart, "_registered", False)
    monkeypatch.delitem(sys.modules, "snapshot_restore_py", raising=False)
    assert snapstart.register() is False  # no Lambda runtime here: nothing registered

    hooks, before = [], []
    fake = types.ModuleType("snapshot_restore_py")
    fake.register_after_restore = hooks.append
    fake.register_before_snapshot = before.append
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", fake)
    assert snapstart.register() is True
    assert snapstart.register() is True  # once
    assert hooks == [snapstart._after_restore_hook] and before == [snapstart.before_snapshot]
    hooks[0]()  # the runtime calls it with no argument after a restore


def test_before_snapshot_loads_the_model_and_keeps_no_client(aws):
    import boto3

    from chapchap import snapstart
    from chapchap.data import table

    table.reset_client()
    snapstart.before_snapshot()
    assert table._client is None  # no client, no connection in the snapshot
    loader = boto3.DEFAULT_SESSION._session.get_component("data_loader")
    assert any("dynamodb" in str(key) for key in getattr(loader, "_cache", {}))


def test_globals_publish_an_alias_and_snapstart_is_a_parameter_off_by_default():
    raw = load_template().raw
    fn = raw["Globals"]["Function"]
    assert fn["AutoPublishAlias"] == "live"
    assert fn["SnapStart"] == {"ApplyOn": {"Fn::If": ["SnapStartOn", "PublishedVersions", "None"]}}
    assert raw["Parameters"]["EnableSnapStart"]["Default"] == "false"
    assert raw["Conditions"]["SnapStartOn"] == {"Fn::Equals": [{"Ref": "EnableSnapStart"}, "true"]}


def test_every_route_schedule_and_queue_calls_the_alias(monkeypatch):
    """SAM's transform with AutoPublishAlias: the HTTP API's integrations, the queue's event
    source mapping and the schedules' targets all go to the published alias."""
    samtranslator = pytest.importorskip("samtranslator")
    import json
    from pathlib import Path

    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    from local.template import TEMPLATE_PATH

    del samtranslator
    monkeypatch.setenv("AWS_DEFAULT_REGION", "af-south-1")
    monkeypatch.setenv("AWS_REGION", "af-south-1")
    template = load_template()
    raw = yaml_parse(Path(TEMPLATE_PATH).read_text())
    # The transform wants S3 locations where `sam build` would put them.
    raw["Globals"]["Function"]["CodeUri"] = "s3://bucket/code"
    for res in raw["Resources"].values():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::Serverless::Function" and "CodeUri" in props:
            props["CodeUri"] = "s3://bucket/code"
        if res["Type"] == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = "s3://bucket/layer"

    class NoManagedPolicies:
        def load(self):
            return {}

    out = transform(raw, {}, NoManagedPolicies())["Resources"]
    api = next(r for r in out.values() if r["Type"] == "AWS::ApiGatewayV2::Api")
    integrations = [op["x-amazon-apigateway-integration"] for ops in api["Properties"]["Body"]["paths"].values()
                    for op in ops.values() if "x-amazon-apigateway-integration" in op]
    assert len(integrations) == len(template.routes)
    assert all("Aliaslive" in json.dumps(i["uri"]) for i in integrations)
    aliases = [lid for lid, r in out.items() if r["Type"] == "AWS::Lambda::Alias"]
    assert len(aliases) == len(template.functions)
    for mapping in (r for r in out.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"):
        assert "Aliaslive" in json.dumps(mapping["Properties"]["FunctionName"])
    for schedule in (r for r in out.values() if r["Type"] == "AWS::Scheduler::Schedule"):
        assert "Aliaslive" in json.dumps(schedule["Properties"]["Target"]["Arn"])
    # Lambda permissions let API Gateway call the alias, not the bare function
    permissions = [r for r in out.values() if r["Type"] == "AWS::Lambda::Permission"
                   and r["Properties"].get("Principal") == "apigateway.amazonaws.com"]
    assert permissions and all("Aliaslive" in json.dumps(p["Properties"]["FunctionName"]) for p in permissions)
