"""Auth over HTTP against the running local stack, as the frontend uses it."""
from __future__ import annotations

import uuid

import jwt

PASSWORD = "correct horse battery"


def email():
    return f"{uuid.uuid4().hex[:10]}@example.com"


def test_health(stack):
    r = stack.get("/api/health")
    assert r.status_code == 200 and r.json()["data"]["status"] == "ok"
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"


def test_register_login_me_refresh_logout(stack):
    address = email()
    r = stack.post("/api/auth/register", json={"full_name": "Juma Ali", "email": address, "password": PASSWORD,
                                               "phone_number": "0712 345 678"})
    assert r.status_code == 201
    first = r.json()["data"]
    assert first["user"]["phone_number"] == "255712345678"
    assert stack.post("/api/auth/register", json={"full_name": "X", "email": address.upper(),
                                                  "password": PASSWORD}).json()["error"]["code"] == "EMAIL_TAKEN"

    r = stack.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert r.status_code == 200
    session = r.json()["data"]
    me = stack.get("/api/auth/me", headers={"authorization": f"Bearer {session['access_token']}"})
    assert me.status_code == 200 and me.json()["data"]["user"]["email"] == address

    # Rotation: the new refresh token works, the old one is reuse and ends the chain.
    r = stack.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
    rotated = r.json()["data"]
    assert r.status_code == 200 and rotated["refresh_token"] != session["refresh_token"]
    reuse = stack.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert reuse.status_code == 401 and reuse.json()["error"]["code"] == "REFRESH_TOKEN_REUSED"
    assert stack.post("/api/auth/refresh", json={"refresh_token": rotated["refresh_token"]}).status_code == 401
    # The registration's own session is untouched; logging out ends it.
    bearer = {"authorization": f"Bearer {first['access_token']}"}
    assert stack.post("/api/auth/logout", json={"refresh_token": first["refresh_token"]}, headers=bearer).status_code == 204
    assert stack.get("/api/user/me", headers=bearer).status_code == 401


def test_password_change_and_profile(stack):
    address = email()
    a = stack.post("/api/auth/register", json={"full_name": "A", "email": address, "password": PASSWORD}).json()["data"]
    b = stack.post("/api/auth/login", json={"email": address, "password": PASSWORD}).json()["data"]
    headers = {"authorization": f"Bearer {a['access_token']}"}
    r = stack.patch("/api/user/me", json={"full_name": "Asha Mrema", "phone_number": "+255 754 111 222"}, headers=headers)
    assert r.json()["data"]["user"]["full_name"] == "Asha Mrema"
    r = stack.post("/api/user/me/password", json={"current_password": PASSWORD, "new_password": "new secret phrase"},
                   headers=headers)
    assert r.status_code == 204
    assert stack.get("/api/user/me", headers={"authorization": f"Bearer {b['access_token']}"}).status_code == 401
    assert stack.get("/api/user/me", headers=headers).status_code == 200
    assert stack.post("/api/auth/login", json={"email": address, "password": "new secret phrase"}).status_code == 200


def test_login_throttling_answers_429_with_retry_after(stack):
    address = email()
    stack.post("/api/auth/register", json={"full_name": "T", "email": address, "password": PASSWORD})
    codes = [stack.post("/api/auth/login", json={"email": address, "password": "wrong!!"}).status_code for _ in range(5)]
    assert codes == [401] * 5
    # Then growing delays (1, 2, 4 ... s from the last failure): a few more quick tries meet one.
    for _ in range(8):
        r = stack.post("/api/auth/login", json={"email": address, "password": "wrong!!"})
        if r.status_code == 429:
            break
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 60
    assert r.json()["error"]["code"] == "TOO_MANY_REQUESTS"


def test_bad_input_never_500(stack):
    cases = [
        ("POST", "/api/auth/register", {"data": '{"email": '}, 400),
        ("POST", "/api/auth/register", {"json": {"email": "x"}}, 422),
        ("POST", "/api/auth/register", {"data": '{"a":"' + "x" * (1024 * 1024) + '"}'}, 413),
        ("POST", "/api/auth/login", {"data": "[" * 10000}, 400),
        ("GET", "/api/cvs?cursor=not-a-cursor", {"headers": {"x-anonymous-id": str(uuid.uuid4())}}, 400),
        ("GET", "/api/auth/me", {"headers": {"authorization": "Bearer " + jwt.encode({"sub": "x"}, None, algorithm="none")}}, 401),
        ("GET", "/api/auth/me", {"headers": {"authorization": "Bearer a.b.c"}}, 401),
    ]
    for method, path, kwargs, status in cases:
        kwargs.setdefault("headers", {})["content-type"] = "application/json"
        r = stack.request(method, path, **kwargs)
        assert r.status_code == status, (path, r.status_code, r.text[:200])
        assert set(r.json()["error"]) >= {"code", "message"}
