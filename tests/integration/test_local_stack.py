"""The local stack itself, over HTTP: routes of template.yaml, API Gateway's answers, CORS,
the /_local/ developer API, and state that survives a restart (and --reset-only)."""
from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from local.gateway import HttpRequest, to_event
from local.template import load_template

from .conftest import ROOT

pytestmark = pytest.mark.integration
TEMPLATE = load_template()
ORIGIN = TEMPLATE.parameters["AllowedOrigins"].split(",")[0]


def test_serves_a_route_of_the_template(stack):
    if "HealthFunction" not in TEMPLATE.functions:
        pytest.skip("no HealthFunction in template.yaml")
    r = stack.get("/api/health")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["status"] == "ok"
    assert r.headers["apigw-requestid"]


def test_unknown_path_is_a_404_envelope(stack):
    r = stack.get("/api/no-such-thing")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "NOT_FOUND"


def test_wrong_method_is_a_405_envelope(stack):
    route = next(r for r in TEMPLATE.routes if r.path != "$default")
    path = re.sub(r"\{\w+\+\}", "a/b", re.sub(r"\{\w+\}", "x1", route.path))  # a concrete path
    method = next(m for m in ("DELETE", "PUT", "PATCH", "POST", "GET") if m not in TEMPLATE.path_exists(path))
    r = stack.request(method, path)
    assert r.status_code == 405, r.text
    assert r.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert r.headers["Allow"]


def test_cors_preflight_for_allowed_and_foreign_origins(stack):
    path = TEMPLATE.routes[0].path
    r = stack.options(path, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                                     "Access-Control-Request-Headers": "authorization,content-type"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "authorization" in r.headers["Access-Control-Allow-Headers"]
    assert r.headers["Access-Control-Max-Age"]
    r = stack.options(path, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 204 and "Access-Control-Allow-Origin" not in r.headers
    r = stack.get("/api/no-such-thing", headers={"Origin": ORIGIN})
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN and "Origin" in r.headers["Vary"]


def test_invoke_returns_what_the_handler_returned(stack):
    if "HealthFunction" not in TEMPLATE.functions:
        pytest.skip("no HealthFunction in template.yaml")
    event = to_event(HttpRequest("GET", "/api/health", [("host", "127.0.0.1")]), "GET /api/health", None)
    r = stack.post("/_local/invoke/HealthFunction", json=event)
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["statusCode"] == 200 and '"ok"' in result["body"]
    assert stack.post("/_local/invoke/NoSuchFunction", json={}).status_code == 404


def test_functions_lists_every_function_of_the_template(stack):
    listed = {f["id"]: f for f in stack.get("/_local/functions").json()["data"]}
    assert set(listed) == set(TEMPLATE.functions)
    for route in TEMPLATE.routes:
        assert route.route_key in listed[route.function_id]["routes"]


def test_info_names_the_emulator_and_the_resources(stack):
    info = stack.info()
    assert info["moto_endpoint"].startswith("http://127.0.0.1:")
    assert set(TEMPLATE.resources_of("AWS::DynamoDB::Table")) <= set(info["resources"])
    assert info["state_dir"] == str(stack.state_dir.resolve())


def test_queues_drain(stack):
    assert stack.drain(timeout=30)


def _table_bucket_and_idle_queue(info: dict):
    table = next(iter(TEMPLATE.resources_of("AWS::DynamoDB::Table")))
    bucket = next(iter(TEMPLATE.resources_of("AWS::S3::Bucket")))
    consumed = {str(e.get("Queue")) for f in TEMPLATE.functions.values() for e in f.events_of("SQS")}
    idle = next(q for q in TEMPLATE.resources_of("AWS::SQS::Queue") if q not in consumed and
                not any(q in c for c in consumed))
    r = info["resources"]
    return r[table]["Ref"], r[bucket]["Ref"], r[idle]["QueueUrl"]


def test_state_survives_a_restart_and_reset_only_wipes_it(start_stack, tmp_path):
    state_dir = tmp_path / "persisted"
    s = start_stack(state_dir)
    table, bucket, queue = _table_bucket_and_idle_queue(s.info())
    ddb, s3, sqs = s.boto3_client("dynamodb"), s.boto3_client("s3"), s.boto3_client("sqs")
    ddb.put_item(TableName=table, Item={"pk": {"S": "LOCAL#test"}, "sk": {"S": "ITEM"},
                                        "blob": {"B": b"\x00\x01"}, "n": {"N": "42"}})
    s3.put_object(Bucket=bucket, Key="tmp/hello.txt", Body=b"hello", ContentType="text/plain")
    sqs.send_message(QueueUrl=queue, MessageBody="kept")
    secret = (state_dir / "jwt-secret").read_text()

    s.restart()  # SIGTERM: the stack saves on the way out
    assert (state_dir / "state.json").exists()
    table, bucket, queue = _table_bucket_and_idle_queue(s.info())
    ddb, s3, sqs = s.boto3_client("dynamodb"), s.boto3_client("s3"), s.boto3_client("sqs")
    item = ddb.get_item(TableName=table, Key={"pk": {"S": "LOCAL#test"}, "sk": {"S": "ITEM"}})["Item"]
    assert item["blob"]["B"] == b"\x00\x01" and item["n"]["N"] == "42"
    obj = s3.get_object(Bucket=bucket, Key="tmp/hello.txt")
    assert obj["Body"].read() == b"hello" and obj["ContentType"] == "text/plain"
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=queue).get("Messages", [])] == ["kept"]
    assert (state_dir / "jwt-secret").read_text() == secret  # tokens survive a restart

    # A running stack protects its state dir from --reset-only.
    busy = subprocess.run([sys.executable, "-m", "local", "--reset-only", "--state-dir", str(state_dir)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert busy.returncode == 1 and "stop it first" in busy.stderr
    s.stop()
    done = subprocess.run([sys.executable, "-m", "local", "--reset-only", "--state-dir", str(state_dir)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not (state_dir / "state.json").exists() and not (state_dir / "jwt-secret").exists()

    s.start()
    table, _, _ = _table_bucket_and_idle_queue(s.info())
    ddb = s.boto3_client("dynamodb")
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "LOCAL#test"}, "sk": {"S": "ITEM"}})


def test_writes_through_the_api_are_saved_while_running(start_stack, tmp_path):
    s = start_stack(tmp_path / "autosave", LOCAL_SAVE_INTERVAL="0.2")
    state_file = tmp_path / "autosave" / "state.json"
    before = state_file.stat().st_mtime_ns if state_file.exists() else 0
    event = to_event(HttpRequest("GET", "/", [("host", "127.0.0.1")]), "GET /", None)
    s.post(f"/_local/invoke/{next(iter(TEMPLATE.functions))}", json=event)  # any invocation
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not state_file.exists() or state_file.stat().st_mtime_ns == before):
        time.sleep(0.1)
    assert state_file.exists() and state_file.stat().st_mtime_ns != before
    assert s.post("/_local/state/save").json()["data"]["items"] >= 0


def test_admin_account_is_created_once(start_stack, tmp_path):
    try:
        import chapchap.auth.accounts  # noqa: F401
    except ImportError:
        pytest.skip("chapchap.auth.accounts is not there yet")
    s = start_stack(tmp_path / "admin")
    assert "[created]" in s.output() and s.admin_password not in s.output()
    s.restart()
    assert "[exists]" in s.output()
    login = next((r for r in TEMPLATE.routes if r.route_key == "POST /api/auth/login"), None)
    if login:
        r = s.post("/api/auth/login", json={"email": s.admin_email, "password": s.admin_password})
        assert r.status_code == 200, r.text
        # The same code as BootstrapFunction made them: audited once, by "bootstrap", not again
        # at the restart; the starter templates are public.
        admin = {"authorization": f"Bearer {r.json()['data']['access_token']}"}
        entries = s.get("/api/admin/audit", params={"actor_id": "bootstrap"}, headers=admin).json()["data"]
        assert sorted(e["action"] for e in entries) == ["template.create"] * 5 + ["user.create"]
        assert len(s.get("/api/templates").json()["data"]) == 5


def test_presigned_upload_reaches_the_local_emulator(stack):
    """Locally the emulator's endpoint wins over the regional host, path-style: the URL the
    browser gets works against the stack's own S3."""
    import requests

    r = stack.post("/api/uploads/presigned-url", json={"purpose": "cv_photo", "content_type": "image/png", "size": 5},
                   headers={"x-anonymous-id": "5d0b1f3e-2a4c-4e6f-8a1b-3c5d7e9f1a2b"})
    assert r.status_code == 200, r.text
    post = r.json()["data"]
    bucket = stack.info()["resources"]["Bucket"]["Ref"]
    assert post["url"] == f"{stack.info()['moto_endpoint']}/{bucket}"
    sent = requests.post(post["url"], data=post["fields"], files={"file": ("p.png", b"\x89PNG\r", "image/png")},
                         timeout=10)
    assert sent.status_code in (200, 204), sent.text
    stored = stack.boto3_client("s3").get_object(Bucket=bucket, Key=post["key"])
    assert stored["Body"].read() == b"\x89PNG\r"
