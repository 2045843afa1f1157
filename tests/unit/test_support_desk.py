"""The support desk through the real handlers on moto (and the Selcom simulator): find a
payment by what a caller has in hand, read its story, re-check it with Selcom now."""
from __future__ import annotations

import json
import threading
from urllib.parse import urlencode
from datetime import timedelta

import pytest

from chapchap import clock
from chapchap.data import payments as pay_data
from chapchap.data import paydesk, table
from tests.support.contract import CheckedApi
from tests.support.shop import admin_token, initiate, new_cv, register, webhook

pytestmark = pytest.mark.usefixtures("catalog")

PHONE = "0754321987"


@pytest.fixture
def api():
    return CheckedApi()


@pytest.fixture
def admin(api):
    return admin_token(api)


@pytest.fixture
def buyer(api, selcom_sim):
    return register(api, "Amina.Juma@Example.com", phone=PHONE)


def _search(api, admin, q, **extra):
    return api.get("/api/admin/payments", token=admin, query=urlencode({"q": q, **extra}))


def _revenue(api, admin) -> int:
    return api.get("/api/admin/stats", token=admin).data["total_revenue"]


# ---------------------------------------------------------------- find
def test_a_payment_is_found_by_reference_phone_transaction_id_and_email(api, admin, buyer, selcom_sim):
    token = buyer["access_token"]
    first = initiate(api, token, new_cv(api, token)["id"])
    second = initiate(api, token, new_cv(api, token)["id"])
    selcom_sim.pay(second["reference"])
    webhook(api, second["reference"])  # Selcom's transaction id is known from the completion on
    transid = pay_data.get(second["reference"])["transaction_id"]
    assert transid

    by_reference = _search(api, admin, second["reference"].lower())
    assert [p["reference"] for p in by_reference.data] == [second["reference"]]
    assert by_reference.body["meta"]["q"] == second["reference"]
    for phone in ("+255 754 321 987", "0754321987", "255754321987", "0754-321-987"):
        reply = _search(api, admin, phone)
        assert reply.status == 200, reply.body
        # newest first
        assert [p["reference"] for p in reply.data] == [second["reference"], first["reference"]], phone
        assert reply.body["meta"]["q"] == "255754321987"
    assert [p["reference"] for p in _search(api, admin, transid).data] == [second["reference"]]
    by_email = _search(api, admin, "  amina.juma@EXAMPLE.com ")
    assert [p["reference"] for p in by_email.data] == [second["reference"], first["reference"]]
    assert by_email.data[0]["status"] == "completed" and by_email.data[0]["transaction_id"] == transid
    assert _search(api, admin, "0754000000").data == []
    assert _search(api, admin, "nobody@example.com").data == []


def test_search_pages_with_limit_and_cursor(api, admin, buyer):
    token = buyer["access_token"]
    made = [initiate(api, token, new_cv(api, token)["id"])["reference"] for _ in range(3)]
    seen, cursor = [], None
    for _ in range(3):
        reply = _search(api, admin, PHONE, limit="2", **({"cursor": cursor} if cursor else {}))
        assert reply.status == 200, reply.body
        seen += [p["reference"] for p in reply.data]
        cursor = reply.body["meta"]["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(made))
    # A cursor of one search is no cursor of another.
    first = _search(api, admin, PHONE, limit="1").body["meta"]["next_cursor"]
    assert _search(api, admin, "amina.juma@example.com", cursor=first).status == 400


@pytest.mark.parametrize("extra", [{"status": "pending"}, {"from": "2026-01-01"}, {"sort": "amount"},
                                   {"flagged": "true"}, {"order": "asc"}])
def test_q_takes_no_other_filter(api, admin, extra):
    reply = _search(api, admin, PHONE, **extra)
    assert reply.status == 400 and reply.error["code"] == "BAD_QUERY"
    assert reply.error["details"][0]["field"] == next(iter(extra))


@pytest.mark.parametrize("q", ["", "   ", "x" * 201])
def test_an_empty_or_overlong_q_is_refused(api, admin, q):
    reply = _search(api, admin, q)
    assert reply.status == 400 and reply.error["code"] == "BAD_QUERY"


def test_search_and_story_are_admin_only(api, buyer):
    token = buyer["access_token"]
    for method, path, query in (("GET", "/api/admin/payments", "q=x"), ("GET", "/api/admin/payments/CVAAAA2222", ""),
                                ("POST", "/api/admin/payments/CVAAAA2222/recheck", "")):
        assert api.request(method, path, token=token, query=query).status == 403
        assert api.request(method, path, query=query).status == 401


# ---------------------------------------------------------------- story
def test_the_story_shows_webhooks_and_status_checks_without_secrets(api, admin, buyer, selcom_sim, monkeypatch):
    token = buyer["access_token"]
    payment = initiate(api, token, new_cv(api, token)["id"])
    reference = payment["reference"]
    assert api.get(f"/api/payments/verify/{reference}", token=token).data["payment"]["status"] == "pending"
    selcom_sim.pay(reference)
    later = clock.now() + timedelta(seconds=30)  # past verify's spacing of status checks
    monkeypatch.setattr(clock, "now", lambda: later)
    secret_headers = {"Authorization": "SELCOM c2VjcmV0LWtleQ==", "Digest": "c2lnbmF0dXJlLXNlY3JldA==",
                      "Digest-Method": "HS256", "Signed-Fields": "transid,order_id", "Timestamp": clock.now_iso()}
    body = {"order_id": reference, "payment_status": "COMPLETED", "transid": "T" + reference, "resultcode": "000",
            "signature": "c2lnbmVkLWluLWJvZHk="}
    reply = api.post("/api/payments/callback", json=body, headers=secret_headers)
    assert reply.status == 200, reply.body

    story = api.get(f"/api/admin/payments/{reference.lower()}", token=admin)
    assert story.status == 200, story.body
    data = story.data
    assert data["payment"]["reference"] == reference and data["payment"]["status"] == "completed"
    assert data["user"]["email"] == "amina.juma@example.com" and "password_hash" not in data["user"]
    assert data["cv"]["id"] == payment["cv_id"] and data["cv"]["is_paid"] is True
    timeline = data["timeline"]
    assert [e["at"] for e in timeline] == sorted(e["at"] for e in timeline)
    kinds = [e["kind"] for e in timeline]
    assert kinds[0] == "initiated" and {"webhook", "status_check", "completed", "message"} <= set(kinds)
    checks = [e for e in timeline if e["kind"] == "status_check"]
    assert [c["details"]["source"] for c in checks] == ["verify", "webhook"]
    assert checks[0]["details"]["answer"]["payment_status"] == "PENDING"
    assert checks[0]["details"]["status_after"] == "pending"
    assert checks[1]["details"]["answer"]["payment_status"] == "COMPLETED"
    assert checks[1]["details"]["status_after"] == "completed"
    hook = next(e for e in timeline if e["kind"] == "webhook")
    assert hook["details"]["body"]["order_id"] == reference
    assert hook["details"]["body"]["signature"] == "[hidden]"
    assert hook["details"]["signature"] in ("valid", "invalid", "not configured")
    text = json.dumps(story.body)
    for secret in ("c2VjcmV0LWtleQ==", "c2lnbmF0dXJlLXNlY3JldA==", "c2lnbmVkLWluLWJvZHk=", "transid,order_id",
                   "test-selcom-key", "test-selcom-secret"):
        assert secret not in text
    assert {m["details"]["channel"] for m in timeline if m["kind"] == "message"} == {"sms", "email"}


def test_an_unknown_reference_is_a_404_in_the_envelope(api, admin):
    for reference in ("CVNOSUCH22", "not-a-ref!"):
        reply = api.get(f"/api/admin/payments/{reference}", token=admin)
        assert reply.status == 404 and reply.error["code"] == "NOT_FOUND"
        reply = api.post(f"/api/admin/payments/{reference}/recheck", token=admin)
        assert reply.status == 404 and reply.error["code"] == "NOT_FOUND"


def test_admin_actions_on_the_payment_appear_in_its_story(api, admin, buyer):
    """Any audit entry whose entity is this payment shows, whatever route wrote it."""
    from chapchap import audit
    from chapchap.data import users

    token = buyer["access_token"]
    reference = initiate(api, token, new_cv(api, token)["id"])["reference"]
    boss = users.get(table.get("EMAIL#boss@example.com", "EMAIL")["user_id"])
    table.transact([audit.entry_op(actor=boss, action="payment.resolve", entity="payment", entity_id=reference,
                                   before={"status": "pending"}, after={"status": "pending"}, reason="called")])
    table.transact([audit.entry_op(actor=boss, action="payment.resolve", entity="payment", entity_id="CVOTHER222",
                                   before=None, after=None)])
    actions = [e for e in api.get(f"/api/admin/payments/{reference}", token=admin).data["timeline"]
               if e["kind"] == "admin_action"]
    assert len(actions) == 1 and actions[0]["details"]["action"] == "payment.resolve"
    assert actions[0]["details"]["reason"] == "called" and "boss@example.com" in actions[0]["summary"]


def test_an_expired_payment_shows_the_step(api, admin, buyer, selcom_sim, monkeypatch):
    from chapchap.payments import reconcile

    token = buyer["access_token"]
    reference = initiate(api, token, new_cv(api, token)["id"])["reference"]
    later = clock.now() + timedelta(hours=25)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert reconcile.reconcile()["expired"] == 1
    timeline = api.get(f"/api/admin/payments/{reference}", token=admin).data["timeline"]
    assert [e["kind"] for e in timeline][-2:] == ["status_check", "expired"]
    assert timeline[-2]["details"]["source"] == "reconciliation"


# ---------------------------------------------------------------- recheck
def test_one_recheck_completes_a_silent_payment_once(api, admin, buyer, selcom_sim):
    token = buyer["access_token"]
    payment = initiate(api, token, new_cv(api, token)["id"])
    reference = payment["reference"]
    selcom_sim.pay(reference)  # Selcom completed it; its webhook never reaches us
    revenue = _revenue(api, admin)

    reply = api.post(f"/api/admin/payments/{reference}/recheck", token=admin)
    assert reply.status == 200, reply.body
    assert reply.data["payment"]["status"] == "completed" and reply.data["payment"]["completed_by"] == "recheck"
    assert _revenue(api, admin) == revenue + payment["amount"]
    again = api.post(f"/api/admin/payments/{reference}/recheck", token=admin)
    assert again.status == 200 and again.data["payment"]["status"] == "completed"
    assert _revenue(api, admin) == revenue + payment["amount"]

    timeline = api.get(f"/api/admin/payments/{reference}", token=admin).data["timeline"]
    checks = [e["details"] for e in timeline if e["kind"] == "status_check"]
    assert [(c["source"], c["status_before"], c["status_after"]) for c in checks] == [
        ("recheck", "pending", "completed"), ("recheck", "completed", "completed")]
    actions = [e["details"] for e in timeline if e["kind"] == "admin_action"]
    assert [a["action"] for a in actions] == ["payment.recheck"] * 2
    assert actions[0]["actor_email"] == "boss@example.com"
    assert actions[0]["before"]["status"] == "pending" and actions[0]["after"]["status"] == "completed"
    # found by Selcom's transaction id from now on
    transid = reply.data["payment"]["transaction_id"]
    assert [p["reference"] for p in _search(api, admin, transid).data] == [reference]


def test_a_recheck_is_not_held_back_by_the_spacing_of_verify(api, admin, buyer, selcom_sim):
    token = buyer["access_token"]
    reference = initiate(api, token, new_cv(api, token)["id"])["reference"]
    api.get(f"/api/payments/verify/{reference}", token=token)  # takes the payment's turn
    selcom_sim.pay(reference)
    assert api.get(f"/api/payments/verify/{reference}", token=token).data["payment"]["status"] == "pending"
    reply = api.post(f"/api/admin/payments/{reference}/recheck", token=admin)
    assert reply.data["payment"]["status"] == "completed"


def test_selcom_unreachable_changes_nothing(api, admin, buyer, selcom_sim):
    token = buyer["access_token"]
    reference = initiate(api, token, new_cv(api, token)["id"])["reference"]
    selcom_sim.pay(reference)
    selcom_sim.set_mode("down")
    revenue = _revenue(api, admin)
    reply = api.post(f"/api/admin/payments/{reference}/recheck", token=admin)
    assert reply.status in (502, 503) and set(reply.body) == {"error"}
    assert {"code", "message"} <= set(reply.error)
    assert pay_data.get(reference)["status"] == "pending" and _revenue(api, admin) == revenue
    checks = [e for e in api.get(f"/api/admin/payments/{reference}", token=admin).data["timeline"]
              if e["kind"] == "status_check"]
    assert checks[-1]["details"]["error"] and checks[-1]["details"]["status_after"] is None
    assert not [e for e in api.get(f"/api/admin/payments/{reference}", token=admin).data["timeline"]
                if e["kind"] == "admin_action"]


def test_a_recheck_racing_the_webhook_counts_the_money_once(api, admin, buyer, selcom_sim, serialized_moto):
    token = buyer["access_token"]
    payment = initiate(api, token, new_cv(api, token)["id"])
    reference = payment["reference"]
    selcom_sim.pay(reference)
    revenue = _revenue(api, admin)
    replies = []
    start = threading.Barrier(3)

    def recheck():
        start.wait()
        replies.append(api.post(f"/api/admin/payments/{reference}/recheck", token=admin).status)

    def hook():
        start.wait()
        replies.append(api.post("/api/payments/callback", json={"order_id": reference}).status)

    threads = [threading.Thread(target=recheck), threading.Thread(target=recheck), threading.Thread(target=hook)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(replies) == [200, 200, 200]
    assert pay_data.get(reference)["status"] == "completed"
    assert _revenue(api, admin) == revenue + payment["amount"]
    done = table.query(pk=f"PAYDONE#{pay_data.get(reference)['business_date']}")[0]
    assert [d["reference"] for d in done].count(reference) == 1


# ---------------------------------------------------------------- cost
def _filler(n: int, phone: str, email: str) -> None:
    """n payments of the same payer (and their lookup items, webhooks and audit entries of
    other payments), written directly."""
    items = []
    moment = clock.now()
    for i in range(n):
        at = clock.iso(moment - timedelta(seconds=i + 1))
        ref = f"CVFILL{i:05d}"
        payment = {"pk": f"PAYMENT#{ref}", "sk": "PAYMENT", "reference": ref, "created_at": at}
        items.append({**payment, "type": "payment", "id": ref, "cv_id": "x", "amount": 5000, "currency": "TZS",
                      "method": "card", "status": "pending", "user_id": "x",
                      "gsi3pk": f"PAYMENTS#{clock.business_month(moment)}", "gsi3sk": f"{at}#{ref}"})
        items += [op["Put"]["Item"] for op in paydesk.creation_lookup_ops({**payment, "phone": phone,
                                                                           "buyer_email": email})]
        items.append({"pk": f"WEBHOOK#fill{i}", "sk": "WEBHOOK", "gsi1pk": f"WEBHOOKS#{ref}", "gsi1sk": at})
        items.append({"pk": f"PAYMENT#{ref}", "sk": f"CHECK#{at}#0", "type": "payment_check", "at": at})
    serialized = [i if isinstance(next(iter(i.values())), dict) else table.serialize(i) for i in items]
    for start in range(0, len(serialized), 25):
        table.client().batch_write_item(RequestItems={table.table_name(): [
            {"PutRequest": {"Item": item}} for item in serialized[start:start + 25]]})


def _calls(api, admin, ddb_calls, reference):
    counts = {}
    for method, path, query in (("GET", "/api/admin/payments", {"q": PHONE, "limit": "5"}),
                                ("GET", "/api/admin/payments", {"q": reference}),
                                ("GET", f"/api/admin/payments/{reference}", None),
                                ("POST", f"/api/admin/payments/{reference}/recheck", None)):
        with ddb_calls() as calls:
            reply = api.request(method, path, token=admin, query=urlencode(query or {}))
        assert reply.status == 200, reply.body
        assert "Scan" not in calls
        counts[f"{method} {path} {query}"] = dict(calls)
    return counts


def test_calls_per_request_do_not_grow_with_the_table(api, admin, buyer, selcom_sim, ddb_calls):
    token = buyer["access_token"]
    reference = initiate(api, token, new_cv(api, token)["id"])["reference"]
    selcom_sim.pay(reference)
    api.post("/api/admin/payments/" + reference + "/recheck", token=admin)  # completed: rechecks change nothing
    small = _calls(api, admin, ddb_calls, reference)
    _filler(300, "255754321987", "amina.juma@example.com")
    large = _calls(api, admin, ddb_calls, reference)
    assert small == large
    search, by_reference, story, recheck = small.values()
    assert search == by_reference == {"BatchGetItem": 2, "Query": 1}  # guard, lookup, the page's payments
    assert story == {"BatchGetItem": 2, "Query": 3}  # guard; payment + checks, webhooks, audit; user+CV+messages
    # guard, the payment, the check's record, the audit entry
    assert recheck == {"BatchGetItem": 1, "GetItem": 1, "PutItem": 1, "TransactWriteItems": 1}
    print("\nDynamoDB calls per desk request (same with 1 and 301 payments of the payer):")
    for request, calls in small.items():
        print(f"  {request:70} {calls}")


# ---------------------------------------------------------------- backfill
def test_payments_from_before_the_lookups_are_found_after_the_backfill(api, admin, buyer, selcom_sim):
    from tests.support.apigw import invoke

    token = buyer["access_token"]
    reference = initiate(api, token, new_cv(api, token)["id"])["reference"]
    selcom_sim.pay(reference)
    webhook(api, reference)
    transid = pay_data.get(reference)["transaction_id"]
    for value in (reference, "255754321987", "amina.juma@example.com", transid):  # as made before the desk
        for item in table.query(pk=f"PAYFIND#{paydesk.lookup_value(value)}")[0]:
            table.transact([table.delete_op(item["pk"], item["sk"])])
    assert _search(api, admin, PHONE).data == []

    month = clock.business_month()
    for _ in range(2):  # idempotent
        summary = invoke("PaymentLookupBackfillFunction", {"from": month, "to": month})
        assert summary["months"] == [month] and summary["payments"] == 1
        for q in (reference, "+255754321987", "AMINA.JUMA@example.com", transid):
            assert [p["reference"] for p in _search(api, admin, q).data] == [reference], q
    assert invoke("PaymentLookupBackfillFunction", {})["months"] == [month]
    with pytest.raises(ValueError):
        invoke("PaymentLookupBackfillFunction", {"from": "2026-13"})
