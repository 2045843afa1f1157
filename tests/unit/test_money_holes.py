"""Money holes of issue 11, through the real handlers against moto and the Selcom simulator:

1. a payment pays for a template at a price: switching a paid CV to a dearer template is a
   402 with the difference, and an upgrade payment charges only the difference; a pending
   payment completes for the template it was priced for;
6. payment prompts are limited per CV, per user and per phone that is not the account's;
7. webhooks share verify's per-payment spacing of Selcom status checks, and webhooks for
   unknown orders are kept a week, not 400 days.
"""
from __future__ import annotations

import json

import pytest

from chapchap import clock
from chapchap.data import counters, table
from chapchap.data import cvs as cv_data
from chapchap.data import payments as pay_data
from tests.support.shop import PASSWORD

pytestmark = pytest.mark.usefixtures("catalog", "selcom_sim")


@pytest.fixture
def buyer(api):
    def make(email="buyer@example.com", phone="0754321987", template_id="compact-ats"):
        auth = api.post("/api/auth/register", json={"full_name": "Amina Juma", "email": email,
                                                    "password": PASSWORD, "phone_number": phone}).data
        cv = api.post("/api/cvs", json={"template_id": template_id, "content": {"basics": {"name": "Amina Juma"}}},
                      token=auth["access_token"]).data["cv"]
        return {"token": auth["access_token"], "user": auth["user"], "cv": cv}
    return make


def initiate(api, b, headers=None, **body):
    return api.post("/api/payments/initiate", json={"cv_id": b["cv"]["id"], "method": "card", **body},
                    token=b["token"], headers=headers)


def pay(api, sim, reference):
    sim.pay(reference)
    reply = api.post("/api/payments/callback", json={"order_id": reference, "payment_status": "COMPLETED"})
    assert reply.status == 200
    return pay_data.get(reference)


def totals():
    return counters.read([counters.total_key()]).get(counters.total_key(), {})


def template_total(template_id):
    key = counters.template_key(template_id)
    return counters.read([key]).get(key, {})


def put_template(api, b, template_id):
    return api.put(f"/api/cvs/{b['cv']['id']}", json={"template_id": template_id}, token=b["token"])


def status_calls(sim, reference=None):
    return [r for r in sim.requests if r["path"] == "/checkout/order-status"
            and (reference is None or r["order_id"] == reference)]


# ---------------------------------------------------------------- 1. the paid-template rule
def test_paid_cv_cannot_switch_to_a_dearer_template_for_free(api, buyer, selcom_sim):
    b = buyer()  # compact-ats, TZS 3,000
    ref = initiate(api, b).data["payment"]["reference"]
    assert pay(api, selcom_sim, ref)["status"] == "completed"
    reply = put_template(api, b, "modern-kilimanjaro")  # TZS 7,000
    assert reply.status == 402 and reply.error["code"] == "PAYMENT_REQUIRED", reply.body
    assert reply.error["details"] == [{"field": "template_id", "template_id": "modern-kilimanjaro", "price": 7000,
                                       "paid": 3000, "difference": 4000, "currency": "TZS"}]
    cv = cv_data.get(b["cv"]["id"], consistent=True)
    assert cv["template_id"] == "compact-ats" and cv["content_version"] == 1  # nothing changed
    # Equal or cheaper: free (classic-zanzibar has no price of its own: the default 5,000 is dearer).
    assert put_template(api, b, "classic-zanzibar").status == 402


def test_switching_down_is_free_and_back_up_to_what_was_paid(api, buyer, selcom_sim):
    b = buyer(template_id="modern-ocean")  # 7,000
    pay(api, selcom_sim, initiate(api, b).data["payment"]["reference"])
    assert put_template(api, b, "compact-ats").status == 200
    assert put_template(api, b, "modern-kilimanjaro").status == 200  # 7,000: paid for
    assert put_template(api, b, "classic-navy").status == 200
    assert initiate(api, b, template_id="modern-ocean").error["code"] == "ALREADY_PAID"
    assert totals()["revenue"] == 7000 and totals()["paid_cvs"] == 1


def test_upgrade_charges_the_difference_once_with_its_own_receipt(api, buyer, selcom_sim, queue_messages):
    b = buyer()
    first = pay(api, selcom_sim, initiate(api, b).data["payment"]["reference"])
    queue_messages()
    assert initiate(api, b).error["code"] == "ALREADY_PAID"  # its own template: paid
    reply = initiate(api, b, template_id="modern-kilimanjaro")
    assert reply.status == 201, reply.body
    upgrade = reply.data["payment"]
    assert upgrade["amount"] == 4000 and upgrade["template_id"] == "modern-kilimanjaro"
    assert selcom_sim.order(upgrade["reference"])["amount"] == 4000
    stored = pay(api, selcom_sim, upgrade["reference"])
    assert stored["status"] == "completed" and not stored.get("duplicate_payment")
    assert (stored["template_price"], stored["paid_before"]) == (7000, 3000)
    cv = cv_data.get(b["cv"]["id"], consistent=True)
    assert cv["template_id"] == "modern-kilimanjaro" and cv["paid_amount"] == 7000
    assert cv["pdf_status"] == "rendering" and cv["content_version"] == 2
    assert queue_messages() == [{"cv_id": b["cv"]["id"], "version": 2}]  # re-rendered on the new template
    # Money: 3,000 + 4,000, one paid CV; revenue by the template each payment paid for.
    assert totals()["revenue"] == 7000 and totals()["paid_cvs"] == 1
    assert template_total("compact-ats")["revenue"] == 3000 and template_total("compact-ats")["paid_cvs"] == 1
    assert template_total("modern-kilimanjaro")["revenue"] == 4000
    assert template_total("modern-kilimanjaro").get("paid_cvs", 0) == 0
    # The CV moved templates: live_cvs follows it.
    assert template_total("compact-ats")["live_cvs"] == 0 and template_total("modern-kilimanjaro")["live_cvs"] == 1
    # Each payment its own receipt; then the upgrade is paid.
    for ref in (first["reference"], upgrade["reference"]):
        assert api.get(f"/api/payments/{ref}/receipt", token=b["token"]).status == 200
    assert initiate(api, b, template_id="modern-kilimanjaro").error["code"] == "ALREADY_PAID"
    assert put_template(api, b, "modern-ocean").status == 200


def test_a_pending_payment_completes_for_the_template_it_was_priced_for(api, buyer, selcom_sim):
    b = buyer(template_id="compact-ats")
    ref = initiate(api, b).data["payment"]["reference"]  # 3,000 for compact-ats
    assert put_template(api, b, "modern-kilimanjaro").status == 200  # unpaid: free to switch
    assert pay(api, selcom_sim, ref)["status"] == "completed"
    cv = cv_data.get(b["cv"]["id"], consistent=True)
    assert cv["is_paid"] is True and cv["template_id"] == "compact-ats" and cv["paid_amount"] == 3000
    assert put_template(api, b, "modern-kilimanjaro").status == 402


def test_initiate_for_another_template_of_an_unpaid_cv(api, buyer, selcom_sim):
    b = buyer(template_id="compact-ats")
    reply = initiate(api, b, template_id="modern-ocean")
    assert reply.status == 201 and reply.data["payment"]["amount"] == 7000
    pay(api, selcom_sim, reply.data["payment"]["reference"])
    cv = cv_data.get(b["cv"]["id"], consistent=True)
    assert cv["template_id"] == "modern-ocean" and cv["paid_amount"] == 7000
    assert initiate(api, b, template_id="no-such-template").status == 422


def test_a_cv_paid_before_prices_were_recorded_is_paid_up_to_its_templates_price(api, buyer, selcom_sim):
    # Paid before this rule (or marked paid by an admin): no paid_amount on the CV.
    b = buyer(template_id="compact-ats")
    table.update(*cv_data.cv_key(b["cv"]["id"]), "SET is_paid = :yes", yes=True)
    assert put_template(api, b, "modern-ocean").error["details"][0]["paid"] == 3000
    b = buyer(email="old@example.com", template_id="modern-ocean")
    table.update(*cv_data.cv_key(b["cv"]["id"]), "SET is_paid = :yes", yes=True)
    assert put_template(api, b, "compact-ats").status == 200
    assert cv_data.get(b["cv"]["id"], consistent=True)["paid_amount"] == 7000  # the level is kept
    assert put_template(api, b, "modern-kilimanjaro").status == 200
    reply = initiate(api, b, template_id="modern-ocean")
    assert reply.error["code"] == "ALREADY_PAID"


# ---------------------------------------------------------------- 6. payment prompt limits
def pushes(sim):
    return [r for r in sim.requests if r["path"] == "/checkout/wallet-payment"]


def test_payment_prompts_are_limited_per_cv_with_retry_after(api, buyer, selcom_sim):
    b = buyer(phone="0754320004")  # Selcom never completes it: the CV stays unpaid
    codes = [initiate(api, b, method="mobile_money").status for _ in range(15)]
    assert codes == [201] * 5 + [429] * 10
    refused = initiate(api, b, method="mobile_money")
    assert refused.error["code"] == "TOO_MANY_REQUESTS" and 0 < int(refused.headers["retry-after"]) <= 3600
    assert len(pushes(selcom_sim)) == 5


def test_payment_prompts_are_limited_per_user(api, buyer, selcom_sim):
    b = buyer(phone="0754320004")
    cvs = [api.post("/api/cvs", json={"template_id": "compact-ats", "content": {}}, token=b["token"]).data["cv"]
           for _ in range(3)]
    codes = [initiate(api, {**b, "cv": cv}, method="mobile_money").status for cv in cvs for _ in range(4)]
    assert codes.count(201) == 10 and codes[-1] == 429


def test_prompts_to_a_phone_that_is_not_the_accounts_are_counted_apart(api, buyer, selcom_sim):
    b = buyer(phone="0754320004")
    stranger = "0713 320 004"  # never answers either
    codes = [initiate(api, b, method="mobile_money", phone_number=stranger).status for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    assert initiate(api, b, method="mobile_money").status == 201  # the account's own phone still works


def test_an_idempotent_replay_is_not_counted_twice(api, buyer, selcom_sim):
    b = buyer(phone="0754320004")
    for _ in range(6):
        reply = initiate(api, b, headers={"idempotency-key": "same-tap"}, method="mobile_money")
        assert reply.status == 201
    assert len(pushes(selcom_sim)) == 1
    assert [initiate(api, b, method="mobile_money").status for _ in range(5)] == [201] * 4 + [429]


# ---------------------------------------------------------------- 7. webhooks and Selcom
def test_forged_webhooks_share_verifys_spacing(api, buyer, selcom_sim):
    b = buyer(phone="0754320004")
    ref = initiate(api, b).data["payment"]["reference"]
    for _ in range(50):
        assert api.post("/api/payments/callback", json={"order_id": ref, "payment_status": "COMPLETED"}).status == 200
    assert len(status_calls(selcom_sim, ref)) == 1
    api.get(f"/api/payments/verify/{ref}", token=b["token"])  # inside the same spacing
    assert len(status_calls(selcom_sim, ref)) == 1


def test_webhooks_for_unknown_orders_expire_in_a_week(api):
    for body in ({"order_id": "CVNOSUCH1", "payment_status": "COMPLETED"}, {"hello": 1}):
        assert api.post("/api/payments/callback", json=body).status == 200
    items, _ = table.query(index="gsi1", pk_name="gsi1pk", pk="WEBHOOKS#CVNOSUCH1")
    assert len(items) == 1
    assert items[0]["ttl"] - clock.epoch_seconds() <= 7 * 86400 + 60
    items, _ = table.query(index="gsi1", pk_name="gsi1pk", pk="WEBHOOKS#unknown")
    assert items and all(item["ttl"] - clock.epoch_seconds() <= 7 * 86400 + 60 for item in items)


def test_webhooks_for_known_orders_are_kept_long(api, buyer, selcom_sim):
    b = buyer()
    ref = initiate(api, b).data["payment"]["reference"]
    api.post("/api/payments/callback", json={"order_id": ref, "payment_status": "COMPLETED"})
    items, _ = table.query(index="gsi1", pk_name="gsi1pk", pk=f"WEBHOOKS#{ref}")
    assert items[0]["ttl"] - clock.epoch_seconds() > 300 * 86400


def test_call_counts_of_initiate_and_webhook(api, buyer, selcom_sim, ddb_calls):
    b = buyer()
    with ddb_calls() as calls:
        ref = initiate(api, b).data["payment"]["reference"]
    # The prompt counters ride in the payment's own transaction: no call more than before
    # (the user and session, the CV, the template, the payment, the order's checkout url).
    assert dict(calls) == {"BatchGetItem": 1, "GetItem": 2, "TransactWriteItems": 1, "UpdateItem": 1}
    body = json.dumps({"order_id": ref, "payment_status": "COMPLETED"})
    with ddb_calls() as calls:
        api.request("POST", "/api/payments/callback", body=body)
    # recorded, payment read, turn taken, Selcom asked (pending still: not paid), the check's
    # record (the support desk's story), annotated
    assert dict(calls) == {"TransactWriteItems": 1, "GetItem": 2, "UpdateItem": 2, "PutItem": 1}, dict(calls)
    with ddb_calls() as calls:
        api.request("POST", "/api/payments/callback", body=body)
    # within the spacing: recorded, payment read, turn refused, annotated (Selcom not asked)
    assert dict(calls) == {"TransactWriteItems": 1, "GetItem": 1, "UpdateItem": 2}, dict(calls)
    selcom_sim.pay(ref)
    table.update(*pay_data.payment_key(ref), "SET last_checked_at = :old", old="2000-01-01T00:00:00.000Z")
    with ddb_calls() as calls:
        api.request("POST", "/api/payments/callback", body=body)
    # recorded, payment read, turn taken, CV read, completion transaction, payment read, annotated,
    # then the payer's messages: the account read (email, locale) and the causes' records; the
    # check's record
    assert dict(calls) == {"TransactWriteItems": 3, "GetItem": 4, "UpdateItem": 2, "PutItem": 1}, dict(calls)
