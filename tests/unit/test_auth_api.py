"""Auth endpoints through their real handlers against moto: behaviour and call counts."""
from __future__ import annotations

import time

import jwt
import pytest

from chapchap.auth.tokens import ALGORITHM, ISSUER

pytestmark = pytest.mark.usefixtures("aws")

PASSWORD = "correct horse battery"


def register(api, email="amina@example.com", **extra):
    body = {"full_name": "Amina Juma", "email": email, "password": PASSWORD, **extra}
    reply = api.post("/api/auth/register", json=body)
    assert reply.status == 201, reply.body
    return reply.data


def login(api, email="amina@example.com", password=PASSWORD, ip="196.249.1.1"):
    return api.post("/api/auth/login", json={"email": email, "password": password}, source_ip=ip)


# ---------------------------------------------------------------- register
def test_register_returns_user_and_tokens(api):
    data = register(api, phone_number="0712 345 678")
    assert data["token_type"] == "bearer" and data["expires_in"] == 900
    assert data["access_token"] and data["refresh_token"]
    user = data["user"]
    assert user["email"] == "amina@example.com" and user["full_name"] == "Amina Juma"
    assert user["phone_number"] == "255712345678"
    assert user["role"] == "user" and user["status"] == "active"
    assert user["created_at"].endswith("Z")
    assert set(user) == {"id", "email", "full_name", "phone_number", "role", "status", "created_at", "last_login",
                         "locale"}
    assert user["locale"] == "sw"


def test_register_same_email_any_case_is_409(api):
    register(api)
    reply = api.post("/api/auth/register", json={"full_name": "X", "email": " AMINA@Example.com ", "password": PASSWORD})
    assert reply.status == 409 and reply.error["code"] == "EMAIL_TAKEN"


@pytest.mark.parametrize("body, field", [
    ({"email": "a@b.co", "password": PASSWORD}, "full_name"),
    ({"full_name": "A", "password": PASSWORD}, "email"),
    ({"full_name": "A", "email": "not-an-email", "password": PASSWORD}, "email"),
    ({"full_name": "A", "email": "a@b.co", "password": "short"}, "password"),
    ({"full_name": "A", "email": "a@b.co", "password": "é" * 37}, "password"),  # 74 bytes
    ({"full_name": "A", "email": "a@b.co", "password": PASSWORD, "phone_number": "12345"}, "phone_number"),
    ({"full_name": "A", "email": "a@b.co", "password": PASSWORD, "role": "admin"}, "role"),
    ({"full_name": "   ", "email": "a@b.co", "password": PASSWORD}, "full_name"),
])
def test_register_validation_names_the_field(api, body, field):
    reply = api.post("/api/auth/register", json=body)
    assert reply.status == 422
    assert reply.error["code"] == "VALIDATION_FAILED"
    assert field in [d["field"] for d in reply.error["details"]]


def test_register_validation_writes_nothing(api, ddb_calls):
    with ddb_calls() as calls:
        api.post("/api/auth/register", json={"full_name": "A", "email": "bad", "password": PASSWORD})
    assert calls.total == 0


@pytest.mark.parametrize("body", ['{"full_name": "A",', "not json", "[" * 5000 + "]" * 5000, '{"a":' * 100 + "1" + "}" * 100])
def test_malformed_or_absurd_json_is_400(api, body):
    reply = api.request("POST", "/api/auth/register", body=body)
    assert reply.status == 400 and reply.error["code"] == "MALFORMED_JSON"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_a_body_that_is_not_json_is_415_and_writes_nothing(api, ddb_calls, content_type):
    # Found by the contract fuzzer: text/plain was a 500, and form data was parsed as fields.
    with ddb_calls() as calls:
        reply = api.request("POST", "/api/auth/register", headers={"content-type": content_type},
                            body='{"full_name": "A", "email": "a@example.com", "password": "' + PASSWORD + '"}')
    assert reply.status == 415 and reply.error["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert calls.total == 0


@pytest.mark.parametrize("content_type", ["Application/JSON; charset=utf-8", "application/vnd.api+json", ""])
def test_json_by_any_spelling_is_json(api, content_type):
    reply = api.request("POST", "/api/auth/register", headers={"content-type": content_type},
                        body='{"full_name": "A", "email": "a@example.com", "password": "' + PASSWORD + '"}')
    assert reply.status == 201, reply.body


@pytest.mark.parametrize("body", ["[null, null]", '"text"', "42"])
def test_a_body_that_is_not_an_object_is_422(api, body):
    reply = api.request("POST", "/api/auth/register", body=body)
    assert reply.status == 422 and reply.error["details"][0]["field"] == "body"
    token = api.post("/api/auth/register", json={"full_name": "B", "email": "b@example.com", "password": PASSWORD}).data["access_token"]
    assert api.request("POST", "/api/auth/logout", body=body, token=token).status == 422


def test_one_megabyte_body_is_413(api, ddb_calls):
    with ddb_calls() as calls:
        reply = api.request("POST", "/api/auth/register", body='{"full_name": "' + "a" * 1_000_000 + '"}')
    assert reply.status == 413 and reply.error["code"] == "PAYLOAD_TOO_LARGE"
    assert calls.total == 0


def test_wrong_body_type_is_422(api):
    reply = api.request("POST", "/api/auth/register", body="[1, 2]")
    assert reply.status == 422


# ---------------------------------------------------------------- login and throttling
def test_login_succeeds_and_sets_last_login(api):
    register(api)
    reply = login(api)
    assert reply.status == 200
    assert reply.data["user"]["last_login"] and reply.data["refresh_token"]


def test_login_same_answer_for_unknown_email_and_wrong_password(api):
    register(api)
    wrong = login(api, password="wrong password")
    unknown = login(api, email="nobody@example.com")
    assert wrong.status == unknown.status == 401
    assert wrong.body == unknown.body
    assert wrong.error["code"] == "INVALID_CREDENTIALS"


def test_login_throttled_per_email_with_retry_after(api):
    register(api)
    for i in range(5):
        assert login(api, password="wrong", ip=f"10.0.0.{i}").status == 401
    reply = login(api, ip="10.0.0.99")  # even the right password, from elsewhere
    assert reply.status == 429 and reply.error["code"] == "TOO_MANY_REQUESTS"
    assert 0 < int(reply.headers["retry-after"]) <= 900


def test_login_throttled_per_source_ip(api):
    for i in range(20):
        assert login(api, email=f"user{i}@example.com", ip="41.59.0.7").status == 401
    assert login(api, email="someone@example.com", ip="41.59.0.7").status == 429
    assert login(api, email="someone@example.com", ip="41.59.0.8").status == 401


def test_suspended_account_cannot_log_in(api):
    user = register(api)["user"]
    from chapchap.data import users
    users.update_profile(user["id"], {"status": "suspended"})
    reply = login(api)
    assert reply.status == 403 and reply.error["code"] == "ACCOUNT_SUSPENDED"


# ---------------------------------------------------------------- me and tokens
def test_me_on_both_paths(api):
    data = register(api)
    for path in ("/api/auth/me", "/api/user/me"):
        reply = api.get(path, token=data["access_token"])
        assert reply.status == 200 and reply.data["user"]["id"] == data["user"]["id"]
        assert "password_hash" not in reply.data["user"]


def _forge(claims, key="test-secret-that-is-long-enough-for-hs256-0123456789", alg=ALGORITHM):
    return jwt.encode(claims, key, algorithm=alg)


def test_bad_tokens_are_401_never_500(api):
    data = register(api)
    claims = jwt.decode(data["access_token"], options={"verify_signature": False})
    now = int(time.time())
    expired = _forge({**claims, "iat": now - 3600, "exp": now - 1800})
    other_key = _forge(claims, key="another-secret-key-another-secret-key-0000")
    none_alg = jwt.encode(claims, None, algorithm="none")
    tampered = data["access_token"][:-3] + ("AAA" if not data["access_token"].endswith("AAA") else "BBB")
    elevated = _forge({**claims, "role": "admin", "sub": "someone-else"})
    for token, code in [(expired, "TOKEN_EXPIRED"), (other_key, "INVALID_TOKEN"), (none_alg, "INVALID_TOKEN"),
                        (tampered, "INVALID_TOKEN"), ("garbage", "INVALID_TOKEN"), (elevated, "INVALID_TOKEN")]:
        reply = api.get("/api/auth/me", token=token)
        assert reply.status == 401 and reply.error["code"] == code, (token, reply.body)
    assert api.get("/api/auth/me").status == 401
    assert api.get("/api/auth/me", headers={"authorization": "Basic abc"}).status == 401
    assert claims["iss"] == ISSUER and {"sub", "role", "exp", "iat", "jti", "sid"} <= set(claims)


def test_deleted_user_token_is_401(api):
    data = register(api)
    from chapchap.data import table, users
    table.client().delete_item(TableName=table.table_name(), Key=table.key(*users.user_key(data["user"]["id"])))
    assert api.get("/api/auth/me", token=data["access_token"]).status == 401


# ---------------------------------------------------------------- refresh
def test_refresh_rotates_and_reuse_revokes_chain(api):
    first = register(api)
    second = api.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status == 200
    assert second.data["refresh_token"] != first["refresh_token"]
    assert api.get("/api/auth/me", token=second.data["access_token"]).status == 200

    reuse = api.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status == 401 and reuse.error["code"] == "REFRESH_TOKEN_REUSED"
    # The whole chain is gone: the newest refresh token and the access tokens too.
    assert api.post("/api/auth/refresh", json={"refresh_token": second.data["refresh_token"]}).status == 401
    assert api.get("/api/auth/me", token=second.data["access_token"]).status == 401


def test_refresh_with_unknown_token_is_401(api):
    reply = api.post("/api/auth/refresh", json={"refresh_token": "not-a-token"})
    assert reply.status == 401 and reply.error["code"] == "INVALID_REFRESH_TOKEN"


def test_other_sessions_survive_a_refresh_reuse(api):
    register(api)
    phone = login(api).data
    laptop = login(api).data
    api.post("/api/auth/refresh", json={"refresh_token": phone["refresh_token"]})
    api.post("/api/auth/refresh", json={"refresh_token": phone["refresh_token"]})  # reuse
    assert api.get("/api/auth/me", token=laptop["access_token"]).status == 200


# ---------------------------------------------------------------- logout
def test_logout_revokes_the_chain(api):
    data = register(api)
    reply = api.post("/api/auth/logout", json={"refresh_token": data["refresh_token"]}, token=data["access_token"])
    assert reply.status == 204 and reply.body is None
    assert api.post("/api/auth/refresh", json={"refresh_token": data["refresh_token"]}).status == 401
    assert api.get("/api/auth/me", token=data["access_token"]).status == 401


def test_logout_without_body(api):
    data = register(api)
    assert api.request("POST", "/api/auth/logout", token=data["access_token"]).status == 204
    assert api.post("/api/auth/refresh", json={"refresh_token": data["refresh_token"]}).status == 401


def test_logout_needs_a_user(api):
    assert api.post("/api/auth/logout", json={}).status == 401


# ---------------------------------------------------------------- profile and password
def test_update_profile(api):
    data = register(api)
    reply = api.patch("/api/user/me", json={"full_name": "Amina J. Mushi", "phone_number": "+255 754 000 111"},
                      token=data["access_token"])
    assert reply.status == 200
    assert reply.data["user"]["full_name"] == "Amina J. Mushi"
    assert reply.data["user"]["phone_number"] == "255754000111"
    assert api.get("/api/user/me", token=data["access_token"]).data["user"]["full_name"] == "Amina J. Mushi"


@pytest.mark.parametrize("body", [{"email": "x@y.z"}, {"role": "admin"}, {"phone_number": "99"}, {"full_name": ""}])
def test_update_profile_rejects_bad_or_forbidden_fields(api, body):
    data = register(api)
    reply = api.patch("/api/user/me", json=body, token=data["access_token"])
    assert reply.status == 422
    assert api.get("/api/user/me", token=data["access_token"]).data["user"]["role"] == "user"


def test_change_password_ends_other_sessions_only(api):
    data = register(api)
    other = login(api).data
    reply = api.post("/api/user/me/password", json={"current_password": PASSWORD, "new_password": "a brand new secret"},
                     token=data["access_token"])
    assert reply.status == 204
    assert api.get("/api/auth/me", token=data["access_token"]).status == 200
    assert api.post("/api/auth/refresh", json={"refresh_token": data["refresh_token"]}).status == 200
    assert api.get("/api/auth/me", token=other["access_token"]).status == 401
    assert api.post("/api/auth/refresh", json={"refresh_token": other["refresh_token"]}).status == 401
    assert login(api).status == 401
    assert login(api, password="a brand new secret").status == 200


def test_change_password_with_wrong_current_password(api):
    data = register(api)
    reply = api.post("/api/user/me/password", json={"current_password": "nope nope", "new_password": "a brand new secret"},
                     token=data["access_token"])
    assert reply.status == 422 and reply.error["details"][0]["field"] == "current_password"
    assert login(api).status == 200


# ---------------------------------------------------------------- headers and call counts
def test_security_headers_on_success_and_error(api):
    ok = api.get("/api/health")
    bad = api.post("/api/auth/login", json={})
    for reply in (ok, bad):
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert reply.headers["x-frame-options"] == "DENY"
        assert "max-age" in reply.headers["strict-transport-security"]
        assert reply.headers["cache-control"] == "no-store"


def test_dynamodb_calls_per_endpoint_are_fixed_and_never_scan(api, ddb_calls):
    with ddb_calls() as c:
        data = register(api)
    assert dict(c) == {"TransactWriteItems": 1}
    with ddb_calls() as c:
        assert login(api).status == 200
    assert dict(c) == {"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}
    with ddb_calls() as c:
        assert login(api, password="wrong").status == 401
    assert dict(c) == {"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}
    with ddb_calls() as c:
        assert login(api, email="ghost@example.com").status == 401
    # an unknown email costs the same calls as a known one (issue 11: its time told them apart)
    assert dict(c) == {"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}
    token = data["access_token"]
    with ddb_calls() as c:
        api.get("/api/auth/me", token=token)
        api.get("/api/user/me", token=token)
    assert dict(c) == {"BatchGetItem": 2}
    with ddb_calls() as c:
        api.patch("/api/user/me", json={"locale": "en"}, token=token)
    assert dict(c) == {"BatchGetItem": 1, "UpdateItem": 1}
    with ddb_calls() as c:  # a new name moves the admin search's name items in the same write
        api.patch("/api/user/me", json={"full_name": "A"}, token=token)
    assert dict(c) == {"BatchGetItem": 1, "TransactWriteItems": 1}
    with ddb_calls() as c:
        refreshed = api.post("/api/auth/refresh", json={"refresh_token": data["refresh_token"]}).data
    assert dict(c) == {"GetItem": 1, "BatchGetItem": 1, "TransactWriteItems": 1}
    with ddb_calls() as c:
        api.post("/api/user/me/password", json={"current_password": PASSWORD, "new_password": "another secret!"},
                 token=refreshed["access_token"])
    assert dict(c) == {"BatchGetItem": 1, "TransactWriteItems": 1}
    with ddb_calls() as c:
        api.post("/api/auth/logout", json={"refresh_token": refreshed["refresh_token"]}, token=refreshed["access_token"])
    assert dict(c) == {"BatchGetItem": 1, "UpdateItem": 1, "GetItem": 1}
    with ddb_calls() as c:
        api.get("/api/health")
    assert dict(c) == {"GetItem": 1}
