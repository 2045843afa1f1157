"""Password reset through its handlers against moto: by email link and by SMS code, once,
for 15 minutes, 5 wrong codes, throttled, the same answer for unknown accounts, every session
ended, audited."""
from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support.shop import PASSWORD, audit_items, freeze, register, tokens_follow_the_frozen_clock
from tests.unit.test_messages import queued

NEW = "a brand new passphrase"


@pytest.fixture
def amina(aws, api):
    return register(api, "amina@example.com", phone="0754321987")


def forgot(api, body: dict, ip: str = "196.249.97.12"):
    return api.post("/api/auth/password/forgot", json=body, source_ip=ip)


def reset(api, body: dict, ip: str = "196.249.97.12"):
    return api.post("/api/auth/password/reset", json=body, source_ip=ip)


def only_message() -> dict:
    records = queued()
    assert len(records) == 1, records
    return json.loads(records[0]["body"])


def token_of(message: dict) -> str:
    return parse_qs(urlparse(message["params"]["url"]).query)["token"][0]


def test_reset_by_email_link_works_once_and_ends_every_session(aws, api, amina):
    reply = forgot(api, {"email": "Amina@Example.com"})
    assert reply.status == 202 and reply.body == {"data": {"sent": True}}
    message = only_message()
    assert message["channel"] == "email" and message["to"] == "amina@example.com"
    assert message["params"]["url"].startswith("http://localhost:5173/reset-password?token=")
    token = token_of(message)
    from chapchap.data import resets

    stored = resets.get(amina["user"]["id"])
    assert token.split(".")[1] not in json.dumps(stored, default=str)  # only its hash is kept

    assert reset(api, {"token": token, "new_password": NEW}).status == 204
    # The old access token and refresh token are dead; the new password works, the old does not.
    assert api.get("/api/auth/me", token=amina["access_token"]).status == 401
    assert api.post("/api/auth/refresh", json={"refresh_token": amina["refresh_token"]}).status == 401
    assert api.post("/api/auth/login", json={"email": "amina@example.com", "password": PASSWORD}).status == 401
    assert api.post("/api/auth/login", json={"email": "amina@example.com", "password": NEW}).status == 200
    # Once.
    again = reset(api, {"token": token, "new_password": "yet another passphrase"})
    assert again.status == 400 and again.body["error"]["code"] == "RESET_INVALID"
    entries = [e for e in audit_items() if e["action"] == "user.password_reset"]
    assert len(entries) == 1 and entries[0]["entity_id"] == amina["user"]["id"]
    assert entries[0]["reason"] == "email link"


def test_reset_by_sms_code(aws, api, amina):
    assert forgot(api, {"phone_number": "+255 754 321 987"}).status == 202
    message = only_message()
    assert message["channel"] == "sms" and message["to"] == "255754321987"
    code = message["params"]["code"]
    assert len(code) == 6 and code.isdigit()
    assert reset(api, {"phone_number": "0754321987", "code": code, "new_password": NEW}).status == 204
    assert api.get("/api/auth/me", token=amina["access_token"]).status == 401
    second = reset(api, {"email": "amina@example.com", "code": code, "new_password": NEW})
    assert second.status == 400 and second.body["error"]["code"] == "RESET_INVALID"


def test_five_wrong_codes_end_the_reset(aws, api, amina):
    forgot(api, {"phone_number": "0754321987"})
    code = only_message()["params"]["code"]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        reply = reset(api, {"email": "amina@example.com", "code": wrong, "new_password": NEW})
        assert reply.status == 400 and reply.body["error"]["code"] == "RESET_INVALID"
    reply = reset(api, {"email": "amina@example.com", "code": code, "new_password": NEW})
    assert reply.status == 400 and reply.body["error"]["code"] == "RESET_INVALID"
    assert api.get("/api/auth/me", token=amina["access_token"]).status == 200


def test_four_wrong_codes_leave_the_right_one_working(aws, api, amina):
    forgot(api, {"phone_number": "0754321987"})
    code = only_message()["params"]["code"]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert reset(api, {"phone_number": "0754321987", "code": wrong, "new_password": NEW}).status == 400
    assert reset(api, {"phone_number": "0754321987", "code": code, "new_password": NEW}).status == 204


def test_a_code_lasts_15_minutes(aws, api, amina, monkeypatch):
    from chapchap import clock

    start = clock.now()
    freeze(monkeypatch, start)
    tokens_follow_the_frozen_clock(monkeypatch)
    forgot(api, {"phone_number": "0754321987"})
    code = only_message()["params"]["code"]
    freeze(monkeypatch, start + timedelta(minutes=15, seconds=1))
    reply = reset(api, {"phone_number": "0754321987", "code": code, "new_password": NEW})
    assert reply.status == 400 and reply.body["error"]["code"] == "RESET_INVALID"
    forgot(api, {"phone_number": "0754321987"})
    code = only_message()["params"]["code"]
    freeze(monkeypatch, start + timedelta(minutes=29, seconds=59))
    assert reset(api, {"phone_number": "0754321987", "code": code, "new_password": NEW}).status == 204


def test_unknown_accounts_get_the_same_answer_the_same_work_and_no_message(aws, api, amina, ddb_calls):
    from chapchap.messages import sender

    with ddb_calls() as known_calls:
        known = forgot(api, {"email": "amina@example.com"})
    with ddb_calls() as unknown_calls:
        unknown = forgot(api, {"email": "nobody@example.com"})
    assert (known.status, known.body, sorted(known.headers)) == (unknown.status, unknown.body, sorted(unknown.headers))
    assert dict(known_calls) == dict(unknown_calls) == {"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}
    records = queued()
    assert len(records) == 2  # the same queueing too ...
    outcomes = [sender.process(json.loads(r["body"])) for r in records
                if json.loads(r["body"])["to"] is None]
    assert outcomes == ["dropped: no recipient"]  # ... but no message for the unknown address
    assert forgot(api, {"phone_number": "0711000111"}).status == 202
    assert [json.loads(r["body"])["to"] for r in queued()] == [None]


def _start_of_a_window(monkeypatch) -> None:
    """Fixed windows: a test counting up to a limit must not straddle two of them."""
    from datetime import datetime, timezone

    from chapchap import clock
    from chapchap.settings import settings

    size = settings().login_window_seconds
    now = clock.epoch_seconds()
    freeze(monkeypatch, datetime.fromtimestamp(now - now % size + size + 1, timezone.utc))
    tokens_follow_the_frozen_clock(monkeypatch)


def test_requests_are_throttled_per_account_and_per_address(aws, api, amina, monkeypatch):
    _start_of_a_window(monkeypatch)
    for _ in range(3):
        assert forgot(api, {"email": "amina@example.com"}, ip="10.0.0.1").status == 202
    reply = forgot(api, {"email": "amina@example.com"}, ip="10.0.0.2")
    assert reply.status == 429 and int(reply.headers["retry-after"]) > 0
    # Unknown addresses are throttled the same way (the answer says nothing).
    for _ in range(3):
        forgot(api, {"email": "nobody@example.com"}, ip="10.0.0.3")
    assert forgot(api, {"email": "nobody@example.com"}, ip="10.0.0.4").status == 429
    # 10 requests per address, whatever the emails.
    for n in range(10):
        assert forgot(api, {"email": f"other{n}@example.com"}, ip="10.0.0.5").status == 202
    reply = forgot(api, {"email": "last@example.com"}, ip="10.0.0.5")
    assert reply.status == 429 and int(reply.headers["retry-after"]) > 0


def test_wrong_codes_are_throttled_per_address(aws, api, amina, monkeypatch):
    _start_of_a_window(monkeypatch)
    for n in range(20):
        reply = reset(api, {"email": f"x{n}@example.com", "code": "000000", "new_password": NEW}, ip="10.9.9.9")
        assert reply.status == 400
    reply = reset(api, {"email": "amina@example.com", "code": "000000", "new_password": NEW}, ip="10.9.9.9")
    assert reply.status == 429 and "retry-after" in reply.headers


def test_a_reset_clears_the_sign_in_throttle(aws, api, amina, monkeypatch):
    _start_of_a_window(monkeypatch)
    for _ in range(5):
        api.post("/api/auth/login", json={"email": "amina@example.com", "password": "wrong password!"})
    assert api.post("/api/auth/login", json={"email": "amina@example.com", "password": PASSWORD}).status == 429
    forgot(api, {"email": "amina@example.com"})
    assert reset(api, {"token": token_of(only_message()), "new_password": NEW}).status == 204
    assert api.post("/api/auth/login", json={"email": "amina@example.com", "password": NEW}).status == 200


@pytest.mark.parametrize("body", [
    {"email": "amina@example.com", "phone_number": "0754321987"}, {}, {"email": "not an email"},
])
def test_forgot_takes_one_identifier(aws, api, body):
    assert forgot(api, body).status == 422


@pytest.mark.parametrize("body", [
    {"token": "x" * 40, "code": "123456", "new_password": NEW},
    {"code": "123456", "new_password": NEW},
    {"email": "amina@example.com", "code": "12345", "new_password": NEW},
    {"token": "x" * 40, "new_password": "short"},
])
def test_reset_takes_one_way(aws, api, body):
    assert reset(api, body).status == 422


def test_a_changed_number_resets_and_the_old_one_does_not(aws, api, amina):
    from tests.support.shop import admin_token

    reply = api.patch("/api/user/me", json={"phone_number": "0765000111"}, token=amina["access_token"])
    assert reply.status == 200
    forgot(api, {"phone_number": "0754321987"})
    forgot(api, {"phone_number": "0765000111"})
    assert [json.loads(r["body"])["to"] for r in queued()] == [None, "255765000111"]
    # An admin's change of the number counts the same.
    reply = api.put(f"/api/admin/users/{amina['user']['id']}", json={"phone_number": "0765000222"},
                      token=admin_token(api))
    assert reply.status == 200, reply.body
    forgot(api, {"phone_number": "0765000222"})
    assert [json.loads(r["body"])["to"] for r in queued()] == ["255765000222"]


def test_no_item_holds_a_source_address(aws, api, amina, monkeypatch):
    """Sign-in failures and reset requests count per address, and the table keeps a keyed
    hash of it, never the address (docs/hardening.md)."""
    from tests.unit.test_sharing import all_items

    _start_of_a_window(monkeypatch)
    address = "196.249.77.31"
    for _ in range(2):
        reply = api.post("/api/auth/login", json={"email": "amina@example.com", "password": "wrong password!"},
                         source_ip=address)
        assert reply.status == 401
    assert forgot(api, {"email": "amina@example.com"}, ip=address).status == 202
    assert reset(api, {"email": "amina@example.com", "code": "000000", "new_password": NEW}, ip=address).status == 400
    items = all_items()
    throttles = [i for i in items if i["pk"].startswith(("THROTTLE#IP#", "THROTTLE#RESET#IP#", "THROTTLE#RESETWRONG#IP#"))]
    assert len(throttles) == 3, [i["pk"] for i in throttles]
    assert not [i for i in items if address in json.dumps(i, default=str)]
    # The same address lands on the same counter (the count works), another on its own.
    assert api.post("/api/auth/login", json={"email": "amina@example.com", "password": "wrong password!"},
                    source_ip=address).status == 401
    login = [i for i in all_items() if i["pk"].startswith("THROTTLE#IP#")]
    assert len(login) == 1 and login[0]["failures"] == 3
