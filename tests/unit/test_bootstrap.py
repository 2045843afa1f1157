"""BootstrapFunction through its real handler against moto: an empty deployment gets its first
admin and the starter templates, audited; a second run changes nothing; the password is in
neither the event nor any log."""
from __future__ import annotations

import io
import json
import logging

import pytest

from tests.support.apigw import invoke
from tests.support.shop import audit_items

EVENT = {"admin_email": "Owner@Example.com ", "admin_name": "Amina Owner"}
STARTERS = ["classic-navy", "modern-ocean", "compact-ats", "modern-kilimanjaro", "classic-zanzibar"]


@pytest.fixture
def logs(capfd):
    """Everything the function logs, at every level, as it would reach CloudWatch."""
    from chapchap.observability import logger

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    std = logging.getLogger(logger.name)
    level = std.level
    std.addHandler(handler)
    logger.setLevel("DEBUG")

    def read() -> str:
        out, err = capfd.readouterr()
        return buffer.getvalue() + out + err

    yield read
    std.removeHandler(handler)
    std.setLevel(level)


def all_items() -> list[dict]:
    from chapchap.data import table

    items, start = [], None
    while True:
        page = table.client().scan(TableName=table.table_name(), **({"ExclusiveStartKey": start} if start else {}))
        items += [table.deserialize(i) for i in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            return sorted(items, key=lambda i: (i["pk"], i["sk"]))


def login(api, password, email="owner@example.com"):
    return api.post("/api/auth/login", json={"email": email, "password": password})


def test_first_run_creates_the_admin_and_the_templates_audited(aws, api, logs):
    assert api.get("/api/templates").data == []  # an empty deployment
    result = invoke("BootstrapFunction", EVENT)

    admin = result["admin"]
    password = admin.pop("one_time_password")
    assert admin == {"email": "owner@example.com", "created": True}
    assert len(password) >= 24 and password not in json.dumps(EVENT)
    assert result["templates"] == {"created": STARTERS, "existing": [], "already_written": False}
    assert result["changed"] is True

    signed_in = login(api, password)
    assert signed_in.status == 200, signed_in.body
    me = signed_in.data["user"]
    assert (me["role"], me["full_name"], me["status"]) == ("admin", "Amina Owner", "active")
    assert [t["id"] for t in api.get("/api/templates").data] == STARTERS

    entries = audit_items()
    assert {e["actor_id"] for e in entries} == {"bootstrap"}
    assert sorted((e["action"], e["entity_id"]) for e in entries) == sorted(
        [("user.create", me["id"])] + [("template.create", t) for t in STARTERS])
    user_entry = next(e for e in entries if e["entity"] == "user")
    assert user_entry["after"]["email"] == "owner@example.com" and user_entry.get("before") is None
    assert "password_hash" not in user_entry["after"]
    assert password not in json.dumps(all_items(), default=str)  # only its bcrypt hash is stored

    logged = logs()
    assert "\"message\":\"bootstrap\"" in logged  # the run is logged...
    assert password not in logged  # ...never its password


def test_a_second_run_changes_nothing_and_returns_no_password(aws, api, logs):
    first = invoke("BootstrapFunction", EVENT)
    before = all_items()
    again = invoke("BootstrapFunction", {**EVENT, "admin_name": "Someone Else"})
    assert again == {"admin": {"email": "owner@example.com", "created": False, "existing_role": "admin"},
                     "templates": {"created": [], "existing": [], "already_written": True}, "changed": False}
    assert all_items() == before
    # The first password still works; the second run handed out none.
    assert login(api, first["admin"]["one_time_password"]).status == 200
    assert first["admin"]["one_time_password"] not in logs()


def test_a_starter_an_admin_deleted_stays_deleted(aws, api):
    password = invoke("BootstrapFunction", EVENT)["admin"]["one_time_password"]
    token = login(api, password).data["access_token"]
    assert api.delete("/api/admin/templates/compact-ats", token=token).status == 204
    assert invoke("BootstrapFunction", EVENT)["changed"] is False
    assert "compact-ats" not in [t["id"] for t in api.get("/api/templates").data]


def test_templates_that_exist_are_kept_and_the_rest_written(aws, catalog):
    """A deployment seeded before the bootstrap existed (the catalog fixture wrote all five,
    unaudited): nothing is overwritten, and the marker is set."""
    result = invoke("BootstrapFunction", EVENT)
    assert result["templates"] == {"created": [], "existing": STARTERS, "already_written": False}
    assert [e["action"] for e in audit_items()] == ["user.create"]
    assert invoke("BootstrapFunction", EVENT)["templates"]["already_written"] is True


def test_an_email_of_an_ordinary_account_is_not_promoted(aws, api):
    reply = api.post("/api/auth/register", json={"full_name": "Visitor", "email": "owner@example.com",
                                                 "password": "correct horse battery"})
    assert reply.status == 201
    result = invoke("BootstrapFunction", EVENT)
    assert result["admin"] == {"email": "owner@example.com", "created": False, "existing_role": "user"}
    assert login(api, "correct horse battery").data["user"]["role"] == "user"


def test_the_password_from_the_operators_parameter(aws, api, logs, monkeypatch):
    import boto3
    from chapchap.settings import settings

    monkeypatch.delenv("BOOTSTRAP_ADMIN_PASSWORD", raising=False)
    secret = "Operator-Chosen-Passphrase-2026"
    name = f"{settings().secrets_path}/bootstrap-admin-password"
    boto3.client("ssm").put_parameter(Name=name, Value=secret, Type="SecureString")
    result = invoke("BootstrapFunction", {**EVENT, "password": "parameter"})
    assert result["admin"] == {"email": "owner@example.com", "created": True}
    assert login(api, secret).status == 200
    assert secret not in logs() and secret not in json.dumps(result)


def test_a_weak_parameter_is_refused_without_repeating_it(aws, api, logs, monkeypatch):
    import boto3
    from chapchap.bootstrap import BootstrapRefused
    from chapchap.settings import settings

    monkeypatch.delenv("BOOTSTRAP_ADMIN_PASSWORD", raising=False)
    boto3.client("ssm").put_parameter(Name=f"{settings().secrets_path}/bootstrap-admin-password",
                                      Value="short1", Type="SecureString")
    with pytest.raises(BootstrapRefused) as refused:
        invoke("BootstrapFunction", {**EVENT, "password": "parameter"})
    assert "at least 8" in str(refused.value) and "short1" not in str(refused.value)
    assert "short1" not in logs()
    assert all_items() == [] and login(api, "short1").status == 401


@pytest.mark.parametrize("event, field", [
    ({"admin_name": "A"}, "admin_email"),
    ({"admin_email": "not-an-email"}, "admin_email"),
    ({**EVENT, "admin_password": "Typed-In-The-Event-1"}, "admin_password"),
    ({**EVENT, "password": "plaintext"}, "password"),
])
def test_a_bad_event_is_refused_and_writes_nothing(aws, logs, event, field):
    from chapchap.bootstrap import BootstrapRefused

    with pytest.raises(BootstrapRefused) as refused:
        invoke("BootstrapFunction", event)
    assert field in str(refused.value)
    assert "Typed-In-The-Event-1" not in str(refused.value) and "Typed-In-The-Event-1" not in logs()
    assert all_items() == []
