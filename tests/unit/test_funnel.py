"""Support's tools: the admin's PDF link (counts nothing), finding users by phone and name,
and the conversion funnel (moves by exactly what happened). Through the real handlers on moto."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from chapchap import clock
from tests.support.shop import (PASSWORD, admin_token, audit_items, freeze, new_cv, pay, real_time, register,
                                render_queued, tokens_follow_the_frozen_clock)

pytestmark = pytest.mark.usefixtures("catalog")


def anon():
    return {"x-anonymous-id": str(uuid.uuid4())}


def funnel(api, token, query=""):
    reply = api.get("/api/admin/funnel", query=query, token=token)
    assert reply.status == 200, reply.body
    return reply.data, reply.body["meta"]


def stats(api, token):
    reply = api.get("/api/admin/stats", token=token)
    assert reply.status == 200, reply.body
    return {k: v for k, v in reply.data.items() if k != "as_of"}


def flat(data):
    """Every number of a funnel answer, by path: a difference of two is what moved."""
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            for name, steps in value.items():
                for step, n in steps.items():
                    out[f"{key}.{name}.{step}"] = n
        else:
            out[key] = value
    return out


def moved(before, after):
    a, b = flat(before), flat(after)
    return {k: b[k] - a[k] for k in b if b[k] != a[k]}


# ---------------------------------------------------------------- the funnel
def test_the_funnel_moves_by_exactly_what_happened(api, selcom_sim, queue_messages):
    admin = admin_token(api)
    before, meta = funnel(api, admin)
    assert meta["live_days"][-1] == clock.business_date().isoformat()

    # Two CVs without an account, handed over at sign-up; one more handed over at a sign-in.
    visitor = anon()
    for _ in range(2):
        new_cv(api, None, headers=visitor)
    buyer = register(api, "wanjiru@example.com", anonymous_id=visitor["x-anonymous-id"])
    later = anon()
    new_cv(api, None, headers=later)
    reply = api.post("/api/auth/login", json={"email": "wanjiru@example.com", "password": PASSWORD,
                                              "anonymous_id": later["x-anonymous-id"]})
    assert reply.status == 200, reply.body
    token = buyer["access_token"]
    cvs = api.get("/api/cvs", token=token).data
    assert len(cvs) == 3

    # A card payment from a Tigo number, completed; a mobile-money one from Airtel, cancelled.
    paid = pay(api, selcom_sim, token, cvs[0]["id"], phone="+255 712 345 678")
    assert paid["status"] == "completed"
    reply = api.post("/api/payments/initiate", json={"cv_id": cvs[1]["id"], "method": "mobile_money",
                                                     "phone_number": "0688 123 456"}, token=token)
    assert reply.status == 201, reply.body
    reference = reply.data["payment"]["reference"]
    selcom_sim.cancel(reference)
    reply = api.post("/api/payments/callback", json={"order_id": reference, "payment_status": "CANCELLED",
                                                     "transid": "T" + reference, "resultcode": "000"})
    assert reply.status == 200
    # The same failure seen again (a second webhook) counts once.
    reply = api.post("/api/payments/callback", json={"order_id": reference, "payment_status": "CANCELLED",
                                                     "transid": "T" + reference, "resultcode": "000"})
    assert reply.status == 200
    # One download by the owner; the admin's link to the same PDF counts nothing.
    render_queued(queue_messages)
    assert api.get(f"/api/payments/download/{cvs[0]['id']}", token=token).status == 200
    assert api.get(f"/api/admin/cvs/{cvs[0]['id']}/pdf", token=admin).status == 200
    # An account an admin makes is no sign-up.
    reply = api.post("/api/admin/users", token=admin, json={"email": "staff@example.com", "full_name": "Staff",
                                                            "password": PASSWORD, "role": "user"})
    assert reply.status == 201, reply.body

    after, _ = funnel(api, admin)
    assert moved(before, after) == {
        "anonymous_cvs": 3, "registered_users": 1, "cvs_handed_over": 3,
        "payments_started": 2, "payments_completed": 1, "payments_failed": 1, "downloads": 1,
        "by_method.card.payments_started": 1, "by_method.card.payments_completed": 1,
        "by_method.mobile_money.payments_started": 1, "by_method.mobile_money.payments_failed": 1,
        "by_network.tigo.payments_started": 1, "by_network.tigo.payments_completed": 1,
        "by_network.airtel.payments_started": 1, "by_network.airtel.payments_failed": 1,
    }
    assert set(after["by_network"]) == {"vodacom", "tigo", "airtel", "halotel", "ttcl", "other"}


def test_the_networks_come_from_one_prefix_table():
    from chapchap.networks import network_of

    assert network_of("0754 321 987") == "vodacom" and network_of("+255 712 345 678") == "tigo"
    assert network_of("255688123456") == "airtel" and network_of("0621 000 000") == "halotel"
    assert network_of("0732 000 000") == "ttcl" and network_of("0791 000 000") == "other"
    assert network_of(None) == "other" and network_of("not a phone") == "other"


def test_past_days_come_from_the_rollup_and_a_year_is_two_calls(api, monkeypatch, ddb_calls):
    from tests.support.apigw import invoke

    tokens_follow_the_frozen_clock(monkeypatch)
    today = clock.business_date()
    day = today - timedelta(days=3)
    freeze(monkeypatch, clock.business_day_bounds(day)[0] + timedelta(hours=10))
    new_cv(api, None, headers=anon())
    register(api, "halima@example.com")
    real_time(monkeypatch)
    admin = admin_token(api)
    data, meta = funnel(api, admin, f"from={day.isoformat()}&to={day.isoformat()}")
    assert meta["missing_days"] == [day.isoformat()] and data["anonymous_cvs"] == 0  # no rollup yet

    invoke("DailyRollupFunction", {"from": (day - timedelta(days=1)).isoformat(),
                                   "to": (today - timedelta(days=2)).isoformat()})
    data, meta = funnel(api, admin, f"from={day.isoformat()}&to={day.isoformat()}")
    assert meta["missing_days"] == [] and meta["live_days"] == []
    assert (data["anonymous_cvs"], data["registered_users"]) == (1, 1)

    # A year: one Query of the records, one BatchGetItem of today's and yesterday's counters.
    query = f"from={(today - timedelta(days=365)).isoformat()}&to={today.isoformat()}"
    with ddb_calls() as calls:
        data, meta = funnel(api, admin, query)
    guard = 1  # the request guard's BatchGetItem (user + session)
    assert dict(calls) == {"Query": 1, "BatchGetItem": 1 + guard}, dict(calls)
    assert len(meta["missing_days"]) == 366 - 2 - 3 and len(meta["live_days"]) == 2  # days never rolled up
    assert data["anonymous_cvs"] == 1 and data["registered_users"] == 1

    for bad in ("from=2026-13-01", "from=2099-01-01", f"from={(today - timedelta(days=400)).isoformat()}",
                "period=daily"):
        reply = api.get("/api/admin/funnel", query=bad, token=admin)
        assert reply.status == 400 and reply.error["code"] == "BAD_QUERY", (bad, reply.body)


# ---------------------------------------------------------------- the admin's PDF link
def test_the_admins_pdf_link_renders_serves_and_counts_nothing(api, queue_messages, ddb_calls):
    from chapchap.data import cvs as cv_data

    admin = admin_token(api)
    user = register(api, "amina@example.com")
    cv = new_cv(api, user["access_token"])  # unpaid: support sees it all the same
    before_stats, (before_funnel, _) = stats(api, admin), funnel(api, admin)

    with ddb_calls() as calls:
        reply = api.get(f"/api/admin/cvs/{cv['id']}/pdf", token=admin)
    assert reply.status == 202 and reply.data == {"status": "rendering"}
    assert dict(calls) == {"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}, dict(calls)
    # Asked again while it renders: nothing more is queued.
    assert api.get(f"/api/admin/cvs/{cv['id']}/pdf", token=admin).status == 202
    assert render_queued(queue_messages) == 1

    with ddb_calls() as calls:
        reply = api.get(f"/api/admin/cvs/{cv['id']}/pdf", token=admin)
    assert reply.status == 200, reply.body
    assert dict(calls) == {"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}, dict(calls)
    assert reply.data["filename"].endswith(".pdf") and "pdfs/" in reply.data["url"]
    assert clock.parse_iso(reply.data["expires_at"]) <= clock.now() + timedelta(minutes=5)

    stored = cv_data.get(cv["id"], consistent=True)
    assert int(stored.get("download_count", 0)) == 0
    assert stats(api, admin) == before_stats and funnel(api, admin)[0] == before_funnel
    actions = [(e["action"], e["entity_id"]) for e in audit_items()]
    assert ("cv.pdf_render", cv["id"]) in actions and ("cv.pdf_link", cv["id"]) in actions

    # Users cannot; a deleted CV's existing PDF still serves; one never rendered needs a restore.
    assert api.get(f"/api/admin/cvs/{cv['id']}/pdf", token=user["access_token"]).status == 403
    assert api.delete(f"/api/cvs/{cv['id']}", token=user["access_token"]).status == 204
    assert api.get(f"/api/admin/cvs/{cv['id']}/pdf", token=admin).status == 200
    other = new_cv(api, user["access_token"])
    assert api.delete(f"/api/cvs/{other['id']}", token=user["access_token"]).status == 204
    reply = api.get(f"/api/admin/cvs/{other['id']}/pdf", token=admin)
    assert reply.status == 409 and reply.error["code"] == "CV_DELETED"
    assert api.get("/api/admin/cvs/no-such-cv/pdf", token=admin).status == 404
    assert queue_messages() == []


# ---------------------------------------------------------------- finding users
def found(api, token, q, **extra):
    query = "q=" + q.replace("+", "%2B").replace(" ", "%20").replace("'", "%27")
    for key, value in extra.items():
        query += f"&{key}={value}"
    reply = api.get("/api/admin/users", query=query, token=token)
    assert reply.status == 200, (q, reply.body)
    return [u["email"] for u in reply.data]


def test_users_are_found_by_any_form_of_their_number_and_by_a_word_of_their_name(api, ddb_calls):
    admin = admin_token(api)
    register(api, "ngugi@example.com", phone="0754 111 222", full_name="Ngũgĩ wa Thiong'o")
    register(api, "family@example.com", phone="+255754111222", full_name="Wanjiku Kamau")
    register(api, "other@example.com", phone="0713 999 888", full_name="Thomas Okello")

    for form in ("0754111222", "+255 754 111 222", "255754111222", "754-111-222"):
        assert sorted(found(api, admin, form)) == ["family@example.com", "ngugi@example.com"], form
    assert found(api, admin, "0713999887") == []
    for q in ("ngugi", "NGŨGĨ", "thio", "Thiong'o", "THIONGO", "ngu thi"):
        assert found(api, admin, q) == ["ngugi@example.com"], q
    assert found(api, admin, "th") == ["ngugi@example.com", "other@example.com"]  # thiongo, thomas
    assert found(api, admin, "th", order="desc") == ["other@example.com", "ngugi@example.com"]
    assert found(api, admin, "wa") == ["ngugi@example.com", "family@example.com"]  # "wa", "wanjiku"
    assert found(api, admin, "ngugi@") == ["ngugi@example.com"]  # an '@': the email alone
    assert found(api, admin, "oth") == ["other@example.com"]     # an email prefix still finds
    assert found(api, admin, "ngu okello") == []

    # Calls: the guard's BatchGetItem, then 1 Query + 1 BatchGetItem (phone), 2 + 1 (name or email).
    with ddb_calls() as calls:
        found(api, admin, "0754111222")
    assert dict(calls) == {"BatchGetItem": 2, "Query": 1}, dict(calls)
    with ddb_calls() as calls:
        found(api, admin, "thio")
    assert dict(calls) == {"BatchGetItem": 2, "Query": 2}, dict(calls)

    # A new name (the user's own PATCH) and a new number (an admin's edit) move the index.
    me = api.post("/api/auth/login", json={"email": "ngugi@example.com", "password": PASSWORD}).data
    reply = api.patch("/api/user/me", json={"full_name": "James Ngugi"}, token=me["access_token"])
    assert reply.status == 200, reply.body
    assert found(api, admin, "thio") == [] and found(api, admin, "james") == ["ngugi@example.com"]
    assert found(api, admin, "ngugi") == ["ngugi@example.com"]
    reply = api.put(f"/api/admin/users/{me['user']['id']}", json={"phone_number": "0621 000 111",
                                                                  "full_name": "Jim Ngugi"}, token=admin)
    assert reply.status == 200, reply.body
    assert found(api, admin, "0754111222") == ["family@example.com"]
    assert found(api, admin, "0621000111") == ["ngugi@example.com"]
    assert found(api, admin, "james") == [] and found(api, admin, "jim") == ["ngugi@example.com"]
    # A deleted user leaves no index behind.
    assert api.delete(f"/api/admin/users/{me['user']['id']}", token=admin).status == 204
    assert found(api, admin, "0621000111") == [] and found(api, admin, "jim") == []


def test_a_name_search_pages_through_both_sources_in_order(api):
    admin = admin_token(api)
    for n, name in enumerate(["Asha Mwangi", "Mwajuma Ali", "Mwamba Kassim", "Ali Mwinyi"]):
        register(api, f"mw{n}@example.com", phone=None, full_name=name)
    register(api, "mwalimu@example.com", phone=None, full_name="Teacher One")
    seen, cursor = [], None
    while True:
        query = "q=mw&limit=2" + (f"&cursor={cursor}" if cursor else "")
        reply = api.get("/api/admin/users", query=query, token=admin)
        assert reply.status == 200, reply.body
        seen += [u["email"] for u in reply.data]
        cursor = reply.body["meta"].get("next_cursor")
        if not cursor:
            break
    # In the order of the matched text: mw0@ .. mw3@ (emails), mwajuma, mwalimu@, mwamba, mwangi, mwinyi.
    assert sorted(set(seen)) == ["mw0@example.com", "mw1@example.com", "mw2@example.com", "mw3@example.com",
                                 "mwalimu@example.com"]
    assert seen[:4] == ["mw0@example.com", "mw1@example.com", "mw2@example.com", "mw3@example.com"]


def test_the_backfill_indexes_users_from_before_the_index(api):
    from chapchap.data import table

    admin = admin_token(api)
    register(api, "old@example.com", phone="0765 123 123", full_name="Baraka Mollel")
    # As an older deployment left it: no index items.
    for key in [("USERPHONE#255765123123", None), ("NAMEWORD#ba", None), ("NAMEWORD#mo", None)]:
        for item in table.query(pk=key[0])[0]:
            table.client().delete_item(TableName=table.table_name(),
                                       Key={"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}})
    assert found(api, admin, "0765123123") == [] and found(api, admin, "mollel") == []

    from tests.support.apigw import invoke

    month = clock.business_month()
    for _ in range(2):  # idempotent: again, nothing changes
        summary = invoke("UserIndexBackfillFunction", {"from": month, "to": month})
        assert summary["months"] == [month] and summary["users"] >= 2  # this user and the admin
    with pytest.raises(ValueError):
        invoke("UserIndexBackfillFunction", {"from": "2026-00"})
    assert found(api, admin, "0765123123") == ["old@example.com"] and found(api, admin, "moll") == ["old@example.com"]


@pytest.mark.parametrize("limit", [1, 2, 3])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_email_and_name_matches_page_exactly_in_the_order_of_the_matched_text(api, limit, order):
    admin = admin_token(api)
    people = [("kasimu@example.com", "Juma Bakari"), ("asha@example.com", "Asha Kamau"),
              ("kato@example.com", "Kato Okello"),  # email and name: once, by the email
              ("neema@example.com", "Neema Kaduma"), ("kaa@example.com", "Peter Mushi"),
              ("zawadi@example.com", "Zawadi Kapinga"), ("omari@example.com", "Omari Kessy")]
    for email, name in people:
        register(api, email, phone=None, full_name=name)
    seen, cursor = [], None
    while True:
        reply = api.get("/api/admin/users", token=admin,
                        query=f"q=ka&limit={limit}&order={order}" + (f"&cursor={cursor}" if cursor else ""))
        assert reply.status == 200, reply.body
        assert len(reply.data) <= limit
        seen += [u["email"] for u in reply.data]
        cursor = reply.body["meta"]["next_cursor"]
        if not cursor:
            break
    # The matched text: kaa@, kaduma, kamau, kapinga, kasimu@, kato@.
    expected = ["kaa@example.com", "neema@example.com", "asha@example.com", "zawadi@example.com",
                "kasimu@example.com", "kato@example.com"]
    assert seen == (expected if order == "asc" else expected[::-1])


def test_a_name_change_read_before_another_one_changes_nothing(api):
    """The profile's write is conditioned on the name and number it read: two racing changes
    cannot leave the index naming words the user no longer has."""
    from chapchap.data import table, users

    admin = admin_token(api)
    me = register(api, "race@example.com", phone="0744 000 111", full_name="First Name")
    stale = users.get(me["user"]["id"], consistent=True)
    reply = api.patch("/api/user/me", json={"full_name": "Second Name"}, token=me["access_token"])
    assert reply.status == 200, reply.body
    with pytest.raises(table.TransactionFailed):
        users.update_profile(stale["id"], {"full_name": "Third Name"}, before=stale)
    assert users.get(stale["id"], consistent=True)["full_name"] == "Second Name"
    assert found(api, admin, "second") == ["race@example.com"]
    assert found(api, admin, "third") == [] and found(api, admin, "first") == []
