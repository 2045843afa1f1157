"""Live counters move in the same transaction as what they count, exactly once."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from chapchap import clock
from chapchap.data import counters

pytestmark = pytest.mark.usefixtures("catalog")
PASSWORD = "correct horse battery"


def read(key):
    return counters.read([key]).get(key, {})


def test_users_cvs_and_active_users(api, monkeypatch):
    day = clock.business_date()
    data = api.post("/api/auth/register", json={"full_name": "A", "email": "a@example.com", "password": PASSWORD}).data
    for _ in range(3):
        assert api.post("/api/auth/login", json={"email": "a@example.com", "password": PASSWORD}).status == 200
    api.post("/api/auth/refresh", json={"refresh_token": data["refresh_token"]})
    owner = {"x-anonymous-id": str(uuid.uuid4())}
    for template in ("classic-navy", "classic-navy", "modern-ocean"):
        api.post("/api/cvs", json={"template_id": template, "content": {}}, headers=owner)
    total, today = read(counters.total_key()), read(counters.day_key(day))
    assert total["users"] == 1 and total["cvs"] == 3
    assert today["users"] == 1 and today["cvs"] == 3 and today["active_users"] == 1
    assert read(counters.template_key("classic-navy"))["cvs"] == 2
    assert read(counters.template_day_key("modern-ocean", day))["cvs"] == 1

    # The next business day (just after midnight in Dar es Salaam) counts the user again, once.
    tomorrow_start, _ = clock.business_day_bounds(day + timedelta(days=1))
    monkeypatch.setattr(clock, "now", lambda: tomorrow_start + timedelta(minutes=1))
    for _ in range(2):
        api.post("/api/auth/login", json={"email": "a@example.com", "password": PASSWORD})
    assert read(counters.day_key(day + timedelta(days=1)))["active_users"] == 1
    assert read(counters.day_key(day))["active_users"] == 1


def test_active_user_counted_once_when_sign_ins_race(api, monkeypatch):
    """Two sign-ins that both read the user before either counted the day (the race), in a
    deterministic order: the second one's condition fails, it retries without counting."""
    api.post("/api/auth/register", json={"full_name": "B", "email": "b@example.com", "password": PASSWORD})
    from chapchap.auth import accounts
    from chapchap.data import table, users
    from chapchap.models.auth import LoginIn
    email = table.get("EMAIL#b@example.com", "EMAIL")
    table.update(*users.user_key(email["user_id"]), "SET last_active_day = :d", d="2000-01-01")
    for shard in counters.shard_keys(counters.day_key(clock.business_date())):
        table.update(*shard, "SET active_users = :z", z=0)
    stale = users.get(email["user_id"], consistent=True)
    monkeypatch.setattr(users, "get", lambda *a, **k: dict(stale))  # both see "not yet today"
    for i in range(3):
        reply = accounts.login(LoginIn(email="b@example.com", password=PASSWORD), source_ip=f"10.1.1.{i}")
        assert reply["access_token"]
    assert read(counters.day_key(clock.business_date()))["active_users"] == 1
