"""Issue 11, findings 2, 3, 4, 5 and 8, each reproduced through the real handlers on moto.

2. non-finite numbers (`NaN`, `Infinity`) in a body were stored and came back as bare `NaN`
3. a lone surrogate in a body was a 500 (the webhook's too, which must always answer 200)
4. an unknown email skipped bcrypt: login time told which emails exist
5. two admins could remove each other at the same moment, leaving none
8. the per-email throttle locked the owner out for 15 minutes; admins could pick `password`;
   emails took NUL, right-to-left overrides and zero-width spaces
"""
from __future__ import annotations

import json
import unicodedata

import pytest

from tests.support.contract import CheckedApi

pytestmark = pytest.mark.usefixtures("catalog")

PASSWORD = "correct horse battery"
ADMIN = {"email": "root@cvchapchap.local", "password": "Root-Admin-Pass-1"}


@pytest.fixture
def api():
    return CheckedApi()


def login(api, email, password=PASSWORD, ip="196.249.1.1"):
    return api.post("/api/auth/login", json={"email": email, "password": password}, source_ip=ip)


@pytest.fixture
def admin(aws, api):
    from chapchap.auth.accounts import ensure_admin

    ensure_admin(ADMIN["email"], ADMIN["password"])
    data = login(api, ADMIN["email"], ADMIN["password"]).data
    return {"token": data["access_token"], "id": data["user"]["id"]}


def new_user(api, admin, email, role="user", password=PASSWORD):
    reply = api.post("/api/admin/users", json={"full_name": "Deputy", "email": email, "password": password,
                                               "role": role}, token=admin["token"])
    assert reply.status == 201, reply.body
    return reply.data["user"]


def token_of(api, email, password=PASSWORD):
    reply = login(api, email, password)
    assert reply.status == 200, reply.body
    return reply.data["access_token"]


RESUME = '{"basics": {"name": "Amina", "score": NUMBER}}'


# ---------------------------------------------------------------- 2: non-finite numbers
@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused_and_never_stored(api, number, ddb_calls):
    body = '{"title": "Mine", "template_id": "classic-navy", "content": CONTENT}'.replace(
        "CONTENT", RESUME.replace("NUMBER", number))
    with ddb_calls() as calls:
        reply = api.request("POST", "/api/cvs", body=body)
    assert reply.status == 400 and reply.error["code"] == "MALFORMED_JSON"
    assert calls.total == 0


def test_non_finite_numbers_refused_in_every_json_body(api, admin):
    reply = api.request("PUT", "/api/admin/settings", body='{"margin": NaN}', token=admin["token"])
    assert reply.status == 400 and reply.error["code"] == "MALFORMED_JSON"
    reply = api.request("POST", "/api/auth/login", body='{"email": "a@b.co", "password": Infinity}')
    assert reply.status == 400 and reply.error["code"] == "MALFORMED_JSON"


def test_a_stored_non_finite_number_still_lists_as_json(api, admin):
    """Data stored before the fix: the list stays JSON (the bad number reads as null)."""
    from chapchap.data import cvs as cv_data
    from chapchap.data import table

    created = api.post("/api/cvs", json={"title": "Old", "template_id": "classic-navy",
                                         "content": {"basics": {"name": "Amina"}}})
    cv_id = created.data["cv"]["id"]
    table.update(*cv_data.cv_key(cv_id), "SET content_json = :c", c='{"basics":{"name":"Amina","score":NaN}}')
    reply = api.get("/api/admin/cvs", token=admin["token"])
    assert reply.status == 200
    json.loads(reply.raw["body"], parse_constant=_refuse)  # strict, as JSON.parse is
    shown = next(cv for cv in reply.data if cv["id"] == cv_id)
    assert shown["content"]["basics"]["score"] is None


def _refuse(name):
    raise ValueError(f"{name} is not JSON")


def test_output_never_carries_a_non_finite_number():
    from chapchap.http import ok

    with pytest.raises(ValueError):
        ok({"x": float("nan")})


# ---------------------------------------------------------------- 3: invalid Unicode
LONE = '"Amina \\ud800"'


@pytest.mark.parametrize("body", [
    '{"title": LONE, "template_id": "classic-navy", "content": {"basics": {"name": "A"}}}'.replace("LONE", LONE),
    '{"title": "Mine", "template_id": "classic-navy", "content": {"basics": {"name": LONE}}}'.replace("LONE", LONE),
    '{"title": "Mine", "template_id": "classic-navy", "content": {LONE: 1}}'.replace("LONE", LONE),
])
def test_a_lone_surrogate_is_400_not_500_and_never_stored(api, body, ddb_calls):
    with ddb_calls() as calls:
        reply = api.request("POST", "/api/cvs", body=body)
    assert reply.status == 400 and reply.error["code"] == "MALFORMED_JSON"
    assert calls.total == 0


def test_a_body_that_is_not_utf8_is_400(api):
    from local.gateway import HttpRequest, to_event
    from tests.support.apigw import _TEMPLATE, invoke

    route, params = _TEMPLATE.find_route("POST", "/api/cvs")
    request = HttpRequest(method="POST", target="/api/cvs", headers=[],  # no Content-Type: sent as base64
                          body=b'{"title": "\xed\xa0\x80"}', source_ip="196.249.1.1")
    raw = invoke(route.function_id, to_event(request, route.route_key, params))
    assert raw["statusCode"] == 400 and json.loads(raw["body"])["error"]["code"] == "MALFORMED_JSON"


def test_the_webhook_records_a_lone_surrogate_and_answers_200(api):
    body = '{"order_id": "\\ud800CVCC1", "result": "SUCCESS"}'
    reply = api.request("POST", "/api/payments/callback", body=body)
    assert reply.status == 200 and reply.data == {"received": True}
    assert [h["body"] for h in _webhooks()] == [body]  # recorded as it came


def _webhooks():
    from chapchap.data import table

    raw = table.client().scan(TableName=table.table_name())["Items"]  # a test's look at the whole table
    return [item for item in map(table.deserialize, raw) if item["type"] == "webhook"]


def test_the_webhook_takes_bytes_that_are_not_utf8(api):
    from local.gateway import HttpRequest, to_event
    from tests.support.apigw import _TEMPLATE, invoke

    route, params = _TEMPLATE.find_route("POST", "/api/payments/callback")
    request = HttpRequest(method="POST", target="/api/payments/callback", headers=[],
                          body=b'{"order_id": "\xed\xa0\x80\xff"}', source_ip="196.249.1.1")
    raw = invoke(route.function_id, to_event(request, route.route_key, params))
    assert raw["statusCode"] == 200
    assert len(_webhooks()) == 1


# ---------------------------------------------------------------- 4: login timing
def _count_checkpw(monkeypatch):
    import bcrypt

    calls = []
    real = bcrypt.checkpw

    def counted(password, hashed):
        calls.append(hashed[:7])  # the cost prefix, e.g. b"$2b$04$"
        return real(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counted)
    return calls


def test_login_does_the_same_work_for_unknown_and_known_emails(api, monkeypatch, ddb_calls):
    api.post("/api/auth/register", json={"full_name": "Amina", "email": "amina@example.com", "password": PASSWORD})
    checks = _count_checkpw(monkeypatch)
    work = {}
    for case, email in (("unknown", "nobody@example.com"), ("known", "amina@example.com")):
        checks.clear()
        with ddb_calls() as calls:
            assert login(api, email, "wrong password", ip=f"10.1.0.{len(work)}").status == 401
        work[case] = (list(checks), dict(calls))
    assert len(work["unknown"][0]) == len(work["known"][0]) == 1
    assert work["unknown"][0] == work["known"][0]  # the same bcrypt cost
    assert work["unknown"][1] == work["known"][1]  # the same DynamoDB calls


def test_a_suspended_account_costs_the_same_bcrypt_check(api, monkeypatch):
    from chapchap.data import users

    user = api.post("/api/auth/register", json={"full_name": "A", "email": "sus@example.com",
                                                "password": PASSWORD}).data["user"]
    users.update_profile(user["id"], {"status": "suspended"})
    checks = _count_checkpw(monkeypatch)
    assert login(api, "sus@example.com").status == 403
    assert len(checks) == 1


# ---------------------------------------------------------------- 5: the last admin
def test_two_admins_removing_each_other_from_the_same_reads_leave_one(api, admin):
    """A deletes B while B demotes A: both transactions prepared from the same reads; the
    second to commit must fail, so an active admin remains."""
    from chapchap.admin import users as admin_users
    from chapchap.data import table, users
    from chapchap.models.admin import AdminUserUpdateIn

    deputy = new_user(api, admin, "deputy@cvchapchap.local", role="admin", password="Deputy-Admin-Pass-9")
    actor_a = users.get(admin["id"], consistent=True)
    actor_b = users.get(deputy["id"], consistent=True)
    a_deletes_b = admin_users.delete_ops(actor_a, actor_b)
    b_demotes_a = admin_users.update_ops(actor_b, actor_a, AdminUserUpdateIn(role="user"))
    table.transact(a_deletes_b)
    with pytest.raises(table.TransactionFailed):
        table.transact(b_demotes_a)
    assert users.get(admin["id"], consistent=True)["role"] == "admin"


def test_the_last_active_admin_cannot_be_suspended_even_from_stale_reads(api, admin):
    """Each of two admins suspends the other from the same reads: one succeeds."""
    from chapchap.admin import users as admin_users
    from chapchap.data import table, users
    from chapchap.models.admin import AdminUserUpdateIn

    deputy = new_user(api, admin, "deputy@cvchapchap.local", role="admin", password="Deputy-Admin-Pass-9")
    a, b = users.get(admin["id"], consistent=True), users.get(deputy["id"], consistent=True)
    first = admin_users.update_ops(a, b, AdminUserUpdateIn(status="suspended"))
    second = admin_users.update_ops(b, a, AdminUserUpdateIn(status="suspended"))
    table.transact(first)
    with pytest.raises(table.TransactionFailed):
        table.transact(second)
    active = [u for u in (users.get(admin["id"]), users.get(deputy["id"]))
              if u["role"] == "admin" and u["status"] == "active"]
    assert len(active) == 1


def test_the_race_over_the_handlers(api, admin, monkeypatch):
    """A's DELETE of B reaches its transaction; just then B's demotion of A commits. A's
    transaction must then fail (A is no longer an admin, and B would be the last), so B remains."""
    from chapchap.data import table

    deputy = new_user(api, admin, "deputy@cvchapchap.local", role="admin", password="Deputy-Admin-Pass-9")
    deputy_token = token_of(api, "deputy@cvchapchap.local", "Deputy-Admin-Pass-9")
    real = table.transact
    raced = []

    def transact(ops, **kw):
        if not raced and any("Delete" in op for op in ops):
            raced.append(api.put(f"/api/admin/users/{admin['id']}", json={"role": "user"}, token=deputy_token))
        return real(ops, **kw)

    monkeypatch.setattr(table, "transact", transact)
    reply = api.delete(f"/api/admin/users/{deputy['id']}", token=admin["token"])
    assert raced[0].status == 200
    assert reply.status in (403, 409), reply.body
    me = api.get(f"/api/admin/users/{deputy['id']}", token=deputy_token)
    assert me.status == 200 and me.data["user"]["role"] == "admin" and me.data["user"]["status"] == "active"


def test_the_last_admin_cannot_be_removed(api, admin):
    """With the other admin gone, the only one left cannot be demoted by anyone."""
    from chapchap.admin import users as admin_users
    from chapchap.data import table, users
    from chapchap.models.admin import AdminUserUpdateIn

    a = users.get(admin["id"], consistent=True)
    # a forged actor: a removal condition on the counter holds whoever asks
    ops = admin_users.update_ops({**a, "id": "someone"}, a, AdminUserUpdateIn(role="user"))
    with pytest.raises(table.TransactionFailed):
        table.transact(ops)


def test_a_demoted_admin_cannot_act_from_a_request_already_past_the_guard(api, admin):
    from chapchap.admin import users as admin_users
    from chapchap.data import users
    from chapchap.errors import Forbidden
    from chapchap.models.admin import AdminUserUpdateIn

    deputy = new_user(api, admin, "deputy@cvchapchap.local", role="admin", password="Deputy-Admin-Pass-9")
    plain = new_user(api, admin, "plain@example.com")
    stale = users.get(deputy["id"], consistent=True)  # what the deputy's guard saw
    assert api.put(f"/api/admin/users/{deputy['id']}", json={"role": "user"}, token=admin["token"]).status == 200
    with pytest.raises(Forbidden):
        admin_users.update(stale, plain["id"], AdminUserUpdateIn(full_name="Changed"))
    with pytest.raises(Forbidden):
        admin_users.delete(stale, plain["id"])


def test_the_admin_counter_follows_every_change(api, admin):
    from chapchap.data import users

    assert users.active_admins() == 1
    deputy = new_user(api, admin, "deputy@cvchapchap.local", role="admin", password="Deputy-Admin-Pass-9")
    plain = new_user(api, admin, "plain@example.com")
    assert users.active_admins() == 2
    assert api.put(f"/api/admin/users/{plain['id']}", json={"role": "admin"}, token=admin["token"]).status == 200
    assert users.active_admins() == 3
    assert api.put(f"/api/admin/users/{plain['id']}", json={"status": "suspended"}, token=admin["token"]).status == 200
    assert users.active_admins() == 2
    assert api.delete(f"/api/admin/users/{plain['id']}", token=admin["token"]).status == 204
    assert users.active_admins() == 2  # a suspended admin was not counted
    assert api.delete(f"/api/admin/users/{deputy['id']}", token=admin["token"]).status == 204
    assert users.active_admins() == 1


def test_a_deployment_without_the_counter_gets_it_counted(api, admin):
    """Data from before the counter: the first admin change counts the active admins."""
    from chapchap.data import table, users

    deputy = new_user(api, admin, "deputy@cvchapchap.local", role="admin", password="Deputy-Admin-Pass-9")
    table.client().delete_item(TableName=table.table_name(), Key=table.key(*users.ADMINS_KEY))
    assert api.delete(f"/api/admin/users/{deputy['id']}", token=admin["token"]).status == 204
    assert users.active_admins() == 1


# ---------------------------------------------------------------- 8: throttle, passwords, emails
def test_failures_slow_down_but_never_lock_the_owner_out_for_long(api, monkeypatch):
    from chapchap import clock

    api.post("/api/auth/register", json={"full_name": "A", "email": "owner@example.com", "password": PASSWORD})
    now = [1_800_000_000]
    monkeypatch.setattr(clock, "epoch_seconds", lambda moment=None: now[0] if moment is None else int(moment.timestamp()))
    for i in range(5):
        assert login(api, "owner@example.com", "wrong", ip=f"10.2.0.{i}").status == 401
    waits = []
    for i in range(10):  # an attacker who waits out every delay
        reply = login(api, "owner@example.com", "wrong", ip=f"10.3.0.{i}")
        assert reply.status == 429
        wait = int(reply.headers["retry-after"])
        waits.append(wait)
        now[0] += wait
        assert login(api, "owner@example.com", "wrong", ip=f"10.4.0.{i}").status == 401
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    reply = login(api, "owner@example.com", PASSWORD)  # the owner, at the worst moment
    assert reply.status == 429 and int(reply.headers["retry-after"]) <= 60
    now[0] += 60
    assert login(api, "owner@example.com", PASSWORD).status == 200
    assert login(api, "owner@example.com", "wrong").status == 401  # the success reset the delays
    assert login(api, "owner@example.com", PASSWORD).status == 200


@pytest.mark.parametrize("weak", ["password", "12345678", "Password123!", "rootcvchapchap"])
def test_admin_accounts_refuse_common_passwords(api, admin, weak):
    reply = api.post("/api/admin/users", json={"full_name": "Deputy", "email": "deputy@cvchapchap.local",
                                               "password": weak, "role": "admin"}, token=admin["token"])
    assert reply.status == 422, reply.body
    assert [d["field"] for d in reply.error["details"]] == ["password"]


def test_users_keep_the_plain_length_rule(api, admin):
    assert new_user(api, admin, "user@example.com", password="12345678")["role"] == "user"


def test_an_admin_cannot_change_to_a_common_password(api, admin):
    reply = api.post("/api/user/me/password", json={"current_password": ADMIN["password"], "new_password": "password"},
                     token=admin["token"])
    assert reply.status == 422 and reply.error["details"][0]["field"] == "new_password"


@pytest.mark.parametrize("strong", ["ChapChap-Admin-2026!", "Stack-Tests-Admin-2026!", ADMIN["password"]])
def test_the_documented_admin_passwords_pass(strong):
    from chapchap.auth.passwords import admin_password_problem

    assert admin_password_problem(strong) is None


@pytest.mark.parametrize("email", ["a\x00b@example.com", "amina\u202e@example.com", "ami\u200bna@example.com",
                                   "amina@exa\u2028mple.com", "amina@example.com\ufeff", "a\x7f@example.com",
                                   "amina@example.co\U000e0001"])
def test_emails_refuse_control_format_and_zero_width_characters(api, email):
    reply = api.post("/api/auth/register", json={"full_name": "A", "email": email, "password": PASSWORD})
    assert reply.status == 422 and reply.error["details"][0]["field"] == "email"
    assert login(api, email).status == 422


def test_emails_still_take_international_letters(api):
    reply = api.post("/api/auth/register", json={"full_name": "A", "email": "jürgen@exämple.com", "password": PASSWORD})
    assert reply.status == 201


def test_the_documented_email_pattern_refuses_every_invisible_character_of_the_bmp():
    import re

    from chapchap.models.common import EMAIL_PATTERN

    pattern = re.compile(EMAIL_PATTERN)
    for code in range(0x10000):
        char = chr(code)
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char not in " \t\n\r\f\v":
            assert not pattern.match(f"a{char}b@example.com"), hex(code)


def test_every_admin_change_needs_the_actor_still_an_admin(api, admin):
    """CVs, templates and settings too: a request past the guard when its admin was demoted
    changes nothing (403), and writes no audit entry."""
    from chapchap.admin import cvs as admin_cvs
    from chapchap.admin import templates as admin_templates
    from chapchap.admin import settings as settings_store
    from chapchap.data import users
    from chapchap.errors import Forbidden
    from chapchap.models.admin import AdminCvUpdateIn
    from chapchap.models.admin_money import TemplateUpdateIn

    deputy = new_user(api, admin, "deputy@cvchapchap.local", role="admin", password="Deputy-Admin-Pass-9")
    stale = users.get(deputy["id"], consistent=True)
    cv_id = api.post("/api/cvs", json={"title": "Old", "template_id": "classic-navy",
                                       "content": {"basics": {"name": "Amina"}}}).data["cv"]["id"]
    assert api.put(f"/api/admin/users/{deputy['id']}", json={"status": "suspended"}, token=admin["token"]).status == 200
    attempts = [lambda: admin_cvs.update(stale, cv_id, AdminCvUpdateIn(title="Changed")),
                lambda: admin_cvs.delete(stale, cv_id),
                lambda: admin_templates.update(stale, "classic-navy", TemplateUpdateIn(name="Changed")),
                lambda: admin_templates.set_status(stale, "classic-navy", False),
                lambda: settings_store.update(stale, {"default_price": 4321})]
    for attempt in attempts:
        with pytest.raises(Forbidden):
            attempt()
    audit = api.get("/api/admin/audit", token=admin["token"], query="actor_id=" + deputy["id"])
    assert audit.status != 200 or audit.data == []
