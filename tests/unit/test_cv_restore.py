"""Paid CVs keep their person, and deleted CVs come back: through the real handlers on moto."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.support.shop import admin_token, audit_items, freeze, new_cv, pay, register, \
    tokens_follow_the_frozen_clock

pytestmark = pytest.mark.usefixtures("catalog")

START = datetime(2026, 11, 2, 7, 0, tzinfo=timezone.utc)


def anon():
    return {"x-anonymous-id": str(uuid.uuid4())}


def anon_cv(api, headers, name="Amina Juma", template_id="classic-navy"):
    reply = api.post("/api/cvs", json={"template_id": template_id, "content": {"basics": {"name": name}}},
                     headers=headers)
    assert reply.status == 201, reply.body
    return reply.data["cv"]


def stored(cv_id):
    from chapchap.data import cvs as cv_data

    return cv_data.get(cv_id, consistent=True)


def mark_paid(cv_id):
    from chapchap.data import table

    table.update(f"CV#{cv_id}", "CV", "SET is_paid = :t", t=True)


def named(name, **basics):
    return {"basics": {"name": name, **basics}}


# ---------------------------------------------------------------- paid CVs keep their person
def test_a_paid_cv_refuses_another_persons_name_and_takes_corrections(api, selcom_sim, queue_messages):
    user = register(api, "amina@example.com")
    token = user["access_token"]
    cv = new_cv(api, token)  # "Amina Juma"
    pay(api, selcom_sim, token, cv["id"])
    queue_messages()
    before = stored(cv["id"])

    refused = api.put(f"/api/cvs/{cv['id']}", json={"content": named("John Smith")}, token=token)
    assert refused.status == 409 and refused.error["code"] == "PAID_CV_LOCKED"
    assert refused.error["details"][0]["field"] == "content.basics.name"
    assert stored(cv["id"]) == before and queue_messages() == []  # nothing changed, nothing rendered
    # Several fields at once: the name refuses the whole request.
    refused = api.put(f"/api/cvs/{cv['id']}", json={"title": "Other", "content": named("John Smith")}, token=token)
    assert refused.status == 409 and stored(cv["id"]) == before

    corrected = api.put(f"/api/cvs/{cv['id']}", json={"content": named("Amina Jumaa", label="Nurse")}, token=token)
    assert corrected.status == 200, corrected.body
    assert corrected.data["cv"]["content"]["basics"]["name"] == "Amina Jumaa"
    assert corrected.data["cv"]["pdf_status"] == "rendering"
    assert queue_messages() == [{"cv_id": cv["id"], "version": corrected.data["cv"]["content_version"]}]
    # Case and spacing are not another person; the rest of the CV stays editable.
    for name in ("AMINA  JUMAA", "Amina Jumaa"):
        reply = api.put(f"/api/cvs/{cv['id']}", json={"content": named(name, summary="Ten years of care.")},
                        token=token)
        assert reply.status == 200, reply.body
    assert api.put(f"/api/cvs/{cv['id']}", json={"title": "Nursing CV"}, token=token).status == 200


@pytest.mark.parametrize("content", [{}, {"basics": {}}, named(""), named("   "), {"basics": {"email": "a@b.co"}}])
def test_removing_the_name_of_a_paid_cv_is_another_person(api, content):
    owner = anon()
    cv = anon_cv(api, owner)
    mark_paid(cv["id"])
    reply = api.put(f"/api/cvs/{cv['id']}", json={"content": content}, headers=owner)
    assert reply.status == 409 and reply.error["code"] == "PAID_CV_LOCKED"


def test_corrections_are_measured_from_the_paid_name_so_small_steps_cannot_walk_away(api):
    owner = anon()
    cv = anon_cv(api, owner)
    mark_paid(cv["id"])
    for name in ("Amina Jumaa", "Amina Jumaa Ali"):  # each within 0.8 of "Amina Juma"
        assert api.put(f"/api/cvs/{cv['id']}", json={"content": named(name)}, headers=owner).status == 200
    # 0.87 like the last name, 0.64 like the paid one: refused.
    reply = api.put(f"/api/cvs/{cv['id']}", json={"content": named("Amani Jumaa Ali")}, headers=owner)
    assert reply.status == 409 and reply.error["code"] == "PAID_CV_LOCKED"
    assert stored(cv["id"])["locked_name"] == "Amina Juma"


def test_an_unpaid_cv_changes_name_freely_and_locks_to_its_name_when_paid(api):
    owner = anon()
    cv = anon_cv(api, owner)
    for name in ("John Smith", "", "Baraka Mushi"):
        reply = api.put(f"/api/cvs/{cv['id']}", json={"content": named(name)}, headers=owner)
        assert reply.status == 200, reply.body
    mark_paid(cv["id"])
    assert api.put(f"/api/cvs/{cv['id']}", json={"content": named("Amina Juma")}, headers=owner).status == 409
    assert api.put(f"/api/cvs/{cv['id']}", json={"content": named("Baraka Mushie")}, headers=owner).status == 200


def test_a_cv_paid_without_a_name_keeps_the_first_name_it_gets(api):
    owner = anon()
    cv = anon_cv(api, owner, name="")
    mark_paid(cv["id"])
    assert api.put(f"/api/cvs/{cv['id']}", json={"content": {"work": []}}, headers=owner).status == 200  # still none
    assert api.put(f"/api/cvs/{cv['id']}", json={"content": named("Neema Said")}, headers=owner).status == 200
    reply = api.put(f"/api/cvs/{cv['id']}", json={"content": named("Juma Hassan")}, headers=owner)
    assert reply.status == 409 and reply.error["code"] == "PAID_CV_LOCKED"


def test_a_name_change_racing_the_payment_is_checked_against_the_paid_state(api, monkeypatch):
    """The CV is read unpaid, then paid before the write: the write's condition fails, the
    update reads again and refuses the new name."""
    from chapchap.cvs import editing as cvs

    owner = anon()
    cv = anon_cv(api, owner)
    real_read = cvs._owned
    reads = []

    def paid_after_first_read(who, cv_id):
        found = real_read(who, cv_id)
        if not reads:
            mark_paid(cv_id)
        reads.append(found)
        return found

    monkeypatch.setattr(cvs, "_owned", paid_after_first_read)
    reply = api.put(f"/api/cvs/{cv['id']}", json={"content": named("John Smith")}, headers=owner)
    assert reply.status == 409 and reply.error["code"] == "PAID_CV_LOCKED"
    assert len(reads) == 2 and stored(cv["id"])["content_json"] == '{"basics":{"name":"Amina Juma"}}'


def test_an_admin_may_change_the_name_of_a_paid_cv_with_a_reason(api, queue_messages):
    admin = admin_token(api)
    owner = anon()
    cv = anon_cv(api, owner)
    mark_paid(cv["id"])
    path = f"/api/admin/cvs/{cv['id']}"
    missing = api.put(path, json={"content": named("Juma Hassan")}, token=admin)
    assert missing.status == 422 and missing.error["details"][0]["field"] == "reason"
    reply = api.put(path, json={"content": named("Juma Hassan"), "reason": "name of the payer, ticket 42"},
                    token=admin)
    assert reply.status == 200, reply.body
    assert reply.data["cv"]["content"] == named("Juma Hassan") and reply.data["cv"]["content_version"] == 2
    assert reply.data["cv"]["pdf_status"] == "rendering"
    assert queue_messages() == [{"cv_id": cv["id"], "version": 2}]
    [entry] = [e for e in audit_items() if e["action"] == "cv.update"]
    assert (entry["before"]["name"], entry["after"]["name"]) == ("Amina Juma", "Juma Hassan")
    assert entry["reason"] == "name of the payer, ticket 42" and "content" not in entry["after"]
    # The admin's name is the one the CV keeps now.
    assert api.put(f"/api/cvs/{cv['id']}", json={"content": named("Amina Juma")}, headers=owner).status == 409
    assert api.put(f"/api/cvs/{cv['id']}", json={"content": named("Juma Hasan")}, headers=owner).status == 200
    # Content follows the owner's rules for admins too; a correction needs no reason.
    assert api.put(path, json={"content": {"basics": "not an object"}}, token=admin).status == 422
    assert api.put(path, json={"content": named("Juma Hassan")}, token=admin).status == 200


def test_a_duplicate_of_a_paid_cv_is_free_to_rename(api):
    owner = anon()
    cv = anon_cv(api, owner)
    mark_paid(cv["id"])
    copy = api.post(f"/api/cvs/{cv['id']}/duplicate", headers=owner).data["cv"]
    assert api.put(f"/api/cvs/{copy['id']}", json={"content": named("John Smith")}, headers=owner).status == 200


# ---------------------------------------------------------------- deleted CVs: list and restore
def test_deleted_cvs_are_listed_newest_deleted_first_for_30_days(api, monkeypatch):
    owner = anon()
    freeze(monkeypatch, START)
    first, second, kept = (anon_cv(api, owner, name=n) for n in ("One", "Two", "Three"))
    assert api.delete(f"/api/cvs/{second['id']}", headers=owner).status == 204
    freeze(monkeypatch, START + timedelta(days=2))
    assert api.delete(f"/api/cvs/{first['id']}", headers=owner).status == 204

    listed = api.get("/api/cvs", headers=owner, query="deleted=true")
    assert listed.status == 200, listed.body
    assert [c["id"] for c in listed.data] == [first["id"], second["id"]]
    assert listed.data[0]["deleted_at"] == "2026-11-04T07:00:00.000Z"
    assert listed.data[0]["restorable_until"] == "2026-12-04T07:00:00.000Z"
    assert listed.data[1]["content"] == named("Two")
    assert [c["id"] for c in api.get("/api/cvs", headers=owner, query="deleted=false").data] == [kept["id"]]
    assert api.get("/api/cvs", headers=anon(), query="deleted=true").data == []
    assert api.get("/api/cvs", headers=owner, query="deleted=yes").error["code"] == "BAD_QUERY"

    page = api.get("/api/cvs", headers=owner, query="deleted=true&limit=1")
    assert [c["id"] for c in page.data] == [first["id"]] and page.body["meta"]["next_cursor"]
    cursor = page.body["meta"]["next_cursor"]
    rest = api.get("/api/cvs", headers=owner, query=f"deleted=true&limit=1&cursor={cursor}")
    assert [c["id"] for c in rest.data] == [second["id"]]
    # A cursor of one list is no good for the other.
    assert api.get("/api/cvs", headers=owner, query=f"cursor={cursor}").status == 400

    freeze(monkeypatch, START + timedelta(days=30, seconds=1))
    assert [c["id"] for c in api.get("/api/cvs", headers=owner, query="deleted=true").data] == [first["id"]]
    freeze(monkeypatch, START + timedelta(days=32, seconds=1))
    assert api.get("/api/cvs", headers=owner, query="deleted=true").data == []


def test_restore_within_30_days_and_404_after(api, monkeypatch):
    tokens_follow_the_frozen_clock(monkeypatch)
    owner = anon()
    made = []
    for n, name in enumerate(("Older", "Amina Juma", "Newer")):  # a second apart: the list's order is known
        freeze(monkeypatch, START + timedelta(seconds=n))
        made.append(anon_cv(api, owner, name=name))
    older, cv, newer = made
    assert api.delete(f"/api/cvs/{cv['id']}", headers=owner).status == 204
    assert api.get(f"/api/cvs/{cv['id']}", headers=owner).status == 404
    late = anon_cv(api, owner)
    assert api.delete(f"/api/cvs/{late['id']}", headers=owner).status == 204

    freeze(monkeypatch, START + timedelta(days=29, hours=23))
    # Someone else's, or one that is not deleted: no.
    assert api.post(f"/api/cvs/{cv['id']}/restore", headers=anon()).status == 404
    assert api.post(f"/api/cvs/{cv['id']}/restore", token=register(api, "x@example.com")["access_token"]).status == 404
    live = api.post(f"/api/cvs/{older['id']}/restore", headers=owner)
    assert live.status == 409 and live.error["code"] == "CV_NOT_DELETED"
    assert api.post(f"/api/cvs/{uuid.uuid4()}/restore", headers=owner).status == 404

    reply = api.post(f"/api/cvs/{cv['id']}/restore", headers=owner)
    assert reply.status == 200, reply.body
    back = reply.data["cv"]
    assert back["id"] == cv["id"] and back["content"] == named("Amina Juma") and back["created_at"] == cv["created_at"]
    assert "deleted_at" not in back
    assert api.get(f"/api/cvs/{cv['id']}", headers=owner).status == 200
    # Back in its place (the list is by creation), gone from the deleted list; once only.
    assert [c["id"] for c in api.get("/api/cvs", headers=owner).data] == [newer["id"], cv["id"], older["id"]]
    assert [c["id"] for c in api.get("/api/cvs", headers=owner, query="deleted=true").data] == [late["id"]]
    assert api.post(f"/api/cvs/{cv['id']}/restore", headers=owner).status == 409
    item = stored(cv["id"])
    assert not {"deleted_at", "deleted_from", "ttl"} & set(item) and item["restored_at"]
    # It can be edited and deleted again like any CV.
    assert api.put(f"/api/cvs/{cv['id']}", json={"title": "Back"}, headers=owner).status == 200

    freeze(monkeypatch, START + timedelta(days=30, seconds=3))  # 30 days and a second after its delete
    gone = api.post(f"/api/cvs/{late['id']}/restore", headers=owner)
    assert gone.status == 404 and gone.error["code"] == "NOT_FOUND"


def test_the_ttl_purges_deleted_unpaid_cvs_only(api, monkeypatch):
    from chapchap import clock

    owner = anon()
    freeze(monkeypatch, START)
    unpaid, paid = anon_cv(api, owner), anon_cv(api, owner)
    mark_paid(paid["id"])
    for cv in (unpaid, paid):
        assert api.delete(f"/api/cvs/{cv['id']}", headers=owner).status == 204
    assert stored(unpaid["id"])["ttl"] == clock.epoch_seconds(START + timedelta(days=30))
    assert "ttl" not in stored(paid["id"])
    freeze(monkeypatch, START + timedelta(days=3))
    assert api.post(f"/api/cvs/{unpaid['id']}/restore", headers=owner).status == 200
    assert "ttl" not in stored(unpaid["id"])  # restored: never purged


def test_a_payment_landing_after_the_delete_removes_the_ttl(api, selcom_sim):
    from tests.support.shop import initiate, webhook

    token = register(api, "amina@example.com")["access_token"]
    cv = new_cv(api, token)
    payment = initiate(api, token, cv["id"])
    assert api.delete(f"/api/cvs/{cv['id']}", token=token).status == 204
    assert "ttl" in stored(cv["id"])
    selcom_sim.pay(payment["reference"])
    webhook(api, payment["reference"])
    item = stored(cv["id"])
    assert item["is_paid"] is True and "ttl" not in item  # paid: kept for ever, restorable by an admin


def test_admin_deletes_are_restored_by_admins_only_any_time_and_audited(api, monkeypatch):
    tokens_follow_the_frozen_clock(monkeypatch)
    owner = anon()
    freeze(monkeypatch, START)
    by_admin, old_paid = anon_cv(api, owner), anon_cv(api, owner)
    mark_paid(old_paid["id"])
    admin = admin_token(api)
    assert api.delete(f"/api/admin/cvs/{by_admin['id']}", token=admin).status == 204
    assert api.delete(f"/api/cvs/{old_paid['id']}", headers=owner).status == 204
    assert api.get("/api/cvs", headers=owner, query="deleted=true").data[0]["id"] == old_paid["id"]
    assert len(api.get("/api/cvs", headers=owner, query="deleted=true").data) == 1  # not the admin's delete
    assert api.post(f"/api/cvs/{by_admin['id']}/restore", headers=owner).status == 404

    freeze(monkeypatch, START + timedelta(days=400))
    admin = admin_token(api)
    assert api.post(f"/api/cvs/{old_paid['id']}/restore", headers=owner).status == 404  # too late for the owner
    for cv in (by_admin, old_paid):
        reply = api.post(f"/api/admin/cvs/{cv['id']}/restore", token=admin)
        assert reply.status == 200, reply.body
        assert reply.data["cv"]["deleted_at"] is None and reply.data["cv"]["anonymous_id"] == owner["x-anonymous-id"]
    assert {c["id"] for c in api.get("/api/cvs", headers=owner).data} == {by_admin["id"], old_paid["id"]}
    again = api.post(f"/api/admin/cvs/{old_paid['id']}/restore", token=admin)
    assert again.status == 409 and again.error["code"] == "CV_NOT_DELETED"
    assert api.post(f"/api/admin/cvs/{uuid.uuid4()}/restore", token=admin).status == 404
    assert api.post(f"/api/admin/cvs/{old_paid['id']}/restore", headers=owner).status == 401

    entries = [e for e in audit_items() if e["action"] == "cv.restore"]
    assert {e["entity_id"] for e in entries} == {by_admin["id"], old_paid["id"]}
    entry = next(e for e in entries if e["entity_id"] == old_paid["id"])
    assert entry["before"]["deleted_at"] == "2026-11-02T07:00:00.000Z" and entry["after"].get("deleted_at") is None
    assert "content" not in entry["before"]


def test_admin_restore_of_a_cv_whose_account_is_gone_leaves_it_unowned(api):
    admin = admin_token(api)
    user = register(api, "amina@example.com")
    cv = new_cv(api, user["access_token"])
    assert api.delete(f"/api/cvs/{cv['id']}", token=user["access_token"]).status == 204
    assert api.delete(f"/api/admin/users/{user['user']['id']}", token=admin).status == 204
    reply = api.post(f"/api/admin/cvs/{cv['id']}/restore", token=admin)
    assert reply.status == 200, reply.body
    assert reply.data["cv"]["user_id"] is None and reply.data["cv"]["former_user_id"] == user["user"]["id"]
    assert "gsi1pk" not in stored(cv["id"])


def test_a_cv_whose_template_was_deleted_is_not_restored(api):
    admin = admin_token(api)
    created = api.post("/api/admin/templates", json={"name": "Kilimanjaro", "layout": "classic"}, token=admin)
    template_id = created.data["template"]["id"]
    owner = anon()
    cv = anon_cv(api, owner, template_id=template_id)
    assert api.delete(f"/api/cvs/{cv['id']}", headers=owner).status == 204
    assert api.delete(f"/api/admin/templates/{template_id}", token=admin).status == 204  # no live CV uses it
    for reply in (api.post(f"/api/cvs/{cv['id']}/restore", headers=owner),
                  api.post(f"/api/admin/cvs/{cv['id']}/restore", token=admin)):
        assert reply.status == 409 and reply.error["code"] == "TEMPLATE_DELETED"
    assert stored(cv["id"])["deleted_at"]


# ---------------------------------------------------------------- counters stay exact
def _numbers(api, admin):
    stats = api.get("/api/admin/stats", token=admin).data
    stats.pop("as_of")
    templates = {t["id"]: {k: v for k, v in t.items() if k not in ("updated_at",)}
                 for t in api.get("/api/admin/templates", token=admin).data}
    return stats, templates


def test_delete_and_restore_move_the_counters_back_exactly(api, selcom_sim):
    admin = admin_token(api)
    token = register(api, "amina@example.com")["access_token"]
    paid = new_cv(api, token)
    pay(api, selcom_sim, token, paid["id"])
    owner = anon()
    unpaid = anon_cv(api, owner, template_id="modern-ocean")
    before = _numbers(api, admin)
    assert before[1]["modern-ocean"]["live_cvs"] == 1 and before[1]["classic-navy"]["live_cvs"] == 1

    assert api.delete(f"/api/cvs/{paid['id']}", token=token).status == 204
    assert api.delete(f"/api/admin/cvs/{unpaid['id']}", token=admin).status == 204
    during = _numbers(api, admin)
    assert during[1]["modern-ocean"]["live_cvs"] == 0 and during[1]["classic-navy"]["live_cvs"] == 0
    assert during[0] == before[0]  # created, paid and revenue count what happened: a delete takes none back

    assert api.post(f"/api/cvs/{paid['id']}/restore", token=token).status == 200
    assert api.post(f"/api/admin/cvs/{unpaid['id']}/restore", token=admin).status == 200
    assert _numbers(api, admin) == before


def test_the_purge_moves_nothing_and_breaks_no_list(api, monkeypatch):
    """DynamoDB's TTL deletes the item with no transaction of ours: what it leaves must read right."""
    from chapchap.data import table

    tokens_follow_the_frozen_clock(monkeypatch)
    freeze(monkeypatch, START)
    admin = admin_token(api)
    owner = anon()
    purged, kept = anon_cv(api, owner), anon_cv(api, owner)
    assert api.delete(f"/api/cvs/{purged['id']}", headers=owner).status == 204
    freeze(monkeypatch, START + timedelta(days=31))
    admin = admin_token(api)
    before = _numbers(api, admin)
    table.client().delete_item(TableName=table.table_name(), Key=table.key(f"CV#{purged['id']}", "CV"))  # the purge
    after = _numbers(api, admin)
    assert after[0] == before[0] and after[1] == before[1]
    assert [c["id"] for c in api.get("/api/admin/cvs", token=admin, query="from=2026-11-01&to=2026-12-31").data] \
        == [kept["id"]]
    assert api.get("/api/cvs", headers=owner, query="deleted=true").data == []
    assert api.post(f"/api/admin/cvs/{purged['id']}/restore", token=admin).status == 404
    assert api.post(f"/api/cvs/{purged['id']}/restore", headers=owner).status == 404


# ---------------------------------------------------------------- DynamoDB calls per request
def test_calls_per_request_do_not_grow(api, ddb_calls):
    admin = admin_token(api)
    owner = anon()
    cvs = [anon_cv(api, owner) for _ in range(25)]
    for cv in cvs[:22]:
        assert api.delete(f"/api/cvs/{cv['id']}", headers=owner).status == 204
    with ddb_calls() as c:
        assert len(api.get("/api/cvs", headers=owner, query="deleted=true&limit=5").data) == 5
    assert dict(c) == {"Query": 1} and c.total_items_read == 5  # the page, never the partition
    with ddb_calls() as c:
        assert api.post(f"/api/cvs/{cvs[0]['id']}/restore", headers=owner).status == 200
    assert dict(c) == {"GetItem": 1, "TransactWriteItems": 1}
    with ddb_calls() as c:
        assert api.post(f"/api/admin/cvs/{cvs[1]['id']}/restore", token=admin).status == 200
    assert dict(c) == {"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}  # guard, CV, restore

    paid = cvs[-1]
    mark_paid(paid["id"])
    with ddb_calls() as c:
        assert api.put(f"/api/cvs/{paid['id']}", json={"content": named("John Smith")}, headers=owner).status == 409
    assert dict(c) == {"GetItem": 1}
    with ddb_calls() as c:
        assert api.put(f"/api/cvs/{paid['id']}", json={"content": named("Amina Jumaa")}, headers=owner).status == 200
    assert dict(c) == {"GetItem": 1, "UpdateItem": 1}


def test_a_user_restores_with_a_token(api, ddb_calls):
    user = register(api, "amina@example.com")
    token = user["access_token"]
    cv = new_cv(api, token)
    assert api.delete(f"/api/cvs/{cv['id']}", token=token).status == 204
    assert [c["id"] for c in api.get("/api/cvs", token=token, query="deleted=true").data] == [cv["id"]]
    with ddb_calls() as c:
        assert api.post(f"/api/cvs/{cv['id']}/restore", token=token).status == 200
    assert dict(c) == {"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}  # guard, CV, restore
    assert [c["id"] for c in api.get("/api/cvs", token=token).data] == [cv["id"]]
