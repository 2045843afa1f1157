"""Resolving payments (refunded, dismissed), refunds everywhere money is shown, the flagged
list, and long weekly/monthly analytics: through the real handlers on moto and the Selcom
simulator."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from chapchap import clock
from chapchap.data import counters, table
from chapchap.data import payments as pay_data
from tests.support.contract import CheckedApi
from tests.support.shop import (admin_token, audit_items, freeze, initiate, new_cv, pay, real_time, register,
                                tokens_follow_the_frozen_clock, webhook)

pytestmark = pytest.mark.usefixtures("catalog")

REASON = "Paid twice for one CV; returned by M-Pesa"


@pytest.fixture
def api():
    return CheckedApi()


@pytest.fixture
def admin(api):
    return admin_token(api)


def today():
    return clock.business_date()


@pytest.fixture
def shop(api, selcom_sim):
    """A paid CV (7000), a CV paid twice (5000 each: the second a duplicate), a mismatch
    (Selcom reports 5500 for 5000) and a failed payment."""
    buyer = register(api, "buyer@example.com")
    token = buyer["access_token"]
    a, d, m, f = (new_cv(api, token, t) for t in ("modern-ocean", "classic-navy", "classic-navy", "compact-ats"))
    done = pay(api, selcom_sim, token, a["id"])
    first, second = initiate(api, token, d["id"]), initiate(api, token, d["id"])
    for p in (first, second):
        selcom_sim.pay(p["reference"])
        webhook(api, p["reference"])
    mismatch = initiate(api, token, m["id"], phone="0754320003")
    selcom_sim.pay(mismatch["reference"])
    webhook(api, mismatch["reference"])
    rejected = initiate(api, token, f["id"], phone="0754320001")
    selcom_sim.pay(rejected["reference"])
    webhook(api, rejected["reference"], "REJECTED")
    return {"done": done["reference"], "first": first["reference"], "duplicate": second["reference"],
            "mismatch": mismatch["reference"], "failed": rejected["reference"], "cv": d["id"]}


def resolve(api, admin, reference, **body):
    return api.post(f"/api/admin/payments/{reference}/resolve", token=admin, json=body)


def money(api, admin):
    """Every place revenue shows, today: stats, the template's row, the template totals, the
    daily analytics row."""
    stats = api.get("/api/admin/stats", token=admin).data
    templates = {t["id"]: t for t in api.get("/api/admin/templates", token=admin).data}
    usage = api.get("/api/admin/templates/stats", token=admin).data
    row = api.get("/api/admin/analytics", token=admin, query=f"from={today()}").data[-1]
    return {"stats": (stats["total_revenue"], stats["total_refunds"], stats["net_revenue"],
                      stats["revenue_today"], stats["refunds_today"], stats["net_revenue_today"]),
            "navy": (templates["classic-navy"]["revenue"], templates["classic-navy"]["refunds"],
                     templates["classic-navy"]["net_revenue"]),
            "totals": (usage["totals"]["revenue"], usage["totals"]["refunds"], usage["totals"]["net_revenue"]),
            "analytics": (row["revenue"], row["refunds"], row["net_revenue"], row["refunded_payments"],
                          row["template_refunds"])}


def test_a_duplicate_refund_lowers_revenue_everywhere_by_its_amount_once(api, admin, shop):
    before = money(api, admin)
    assert before["stats"] == (17000, 0, 17000, 17000, 0, 17000)
    flagged = api.get("/api/admin/payments", token=admin, query="flagged=true").data
    assert {p["reference"] for p in flagged} == {shop["duplicate"], shop["mismatch"]}

    reply = resolve(api, admin, shop["duplicate"], action="refunded", reason=REASON, refund_reference="MPR7Q2X9ZK")
    assert reply.status == 200, reply.body
    payment = reply.data["payment"]
    assert payment["status"] == "completed" and payment["needs_attention"] is False
    assert payment["duplicate_payment"] is False and payment["refund_due"] is None
    assert {k: payment["resolution"][k] for k in ("action", "refunded_amount", "flag", "refund_due",
                                                  "refund_reference", "reason")} == {
        "action": "refunded", "refunded_amount": 5000, "flag": "duplicate", "refund_due": 5000,
        "refund_reference": "MPR7Q2X9ZK", "reason": REASON}

    after = money(api, admin)
    assert after["stats"] == (17000, 5000, 12000, 17000, 5000, 12000)  # gross stays, net loses 5000
    assert after["navy"] == (10000, 5000, 5000)
    assert after["totals"] == (17000, 5000, 12000)
    assert after["analytics"] == (17000, 5000, 12000, 1, {"classic-navy": 5000})
    # The duplicate bought nothing: the CV stays paid by the first payment.
    assert api.get(f"/api/admin/cvs/{shop['cv']}", token=admin).data["cv"]["is_paid"] is True
    # It left the flagged list; the mismatch is still there.
    flagged = api.get("/api/admin/payments", token=admin, query="flagged=true").data
    assert [p["reference"] for p in flagged] == [shop["mismatch"]]

    # Once: a second resolve is a 409 in the envelope and moves nothing.
    again = resolve(api, admin, shop["duplicate"], action="refunded", reason=REASON)
    assert again.status == 409 and again.error["code"] == "ALREADY_RESOLVED", again.body
    assert resolve(api, admin, shop["duplicate"], action="dismissed", reason=REASON).status == 409
    assert money(api, admin) == after

    # Audited with the payment's reference as the entity.
    entries = [e for e in audit_items() if e["entity"] == "payment"]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["action"], entry["entity_id"], entry["reason"]) == ("payment.refund", shop["duplicate"], REASON)
    assert entry["before"]["duplicate_payment"] is True and entry["after"]["resolution"]["refunded_amount"] == 5000
    listed = api.get("/api/admin/audit", token=admin, query="entity=payment").data
    assert [e["entity_id"] for e in listed] == [shop["duplicate"]]

    # The report: the refund on its payment's row, and net revenue in the PDF's summary.
    from chapchap.admin import reports
    rows = {r["reference"]: r for r in csv.DictReader(io.StringIO(
        reports.csv_bytes(reports.read_range(today(), today(), max_items=100)).decode("utf-8-sig")))}
    assert (rows[shop["duplicate"]]["resolution"], rows[shop["duplicate"]]["refunded_amount"],
            rows[shop["duplicate"]]["refund_reference"]) == ("refunded", "5000", "MPR7Q2X9ZK")
    assert rows[shop["done"]]["resolution"] == "" and rows[shop["done"]]["refunded_amount"] == ""
    summary = reports.summarize(reports.read_range(today(), today(), max_items=100))
    assert (summary["revenue"], summary["refunds"], summary["net_revenue"]) == (17000, 5000, 12000)
    for fmt in ("csv", "pdf"):
        assert api.get("/api/admin/reports/payments", token=admin, query=f"format={fmt}").status == 200


def test_what_each_resolution_takes_out_of_revenue(api, admin, shop):
    # A mismatch never counted as revenue: its refund takes nothing out (but is recorded and counted).
    reply = resolve(api, admin, shop["mismatch"], action="refunded", reason="Returned the 5500 Selcom took")
    assert reply.status == 200, reply.body
    assert reply.data["payment"]["resolution"]["refunded_amount"] == 0
    assert reply.data["payment"]["flagged"] is False and reply.data["payment"]["status"] == "pending"
    stats = api.get("/api/admin/stats", token=admin).data
    assert (stats["total_refunds"], stats["net_revenue"]) == (0, 17000)
    assert counters.total(consistent=True)["refunded_payments"] == 1
    # Dismissing a duplicate clears its flag and moves no money.
    reply = resolve(api, admin, shop["duplicate"], action="dismissed", reason="Buyer keeps it as credit")
    assert reply.status == 200 and reply.data["payment"]["resolution"]["refunded_amount"] == 0
    assert api.get("/api/admin/stats", token=admin).data["net_revenue"] == 17000
    assert api.get("/api/admin/payments", token=admin, query="flagged=true").data == []
    # A completed payment that paid its CV: the whole amount; the CV stays paid (docs/refunds.md).
    reply = resolve(api, admin, shop["done"], action="refunded", reason="Goodwill refund after a complaint")
    assert reply.status == 200 and reply.data["payment"]["resolution"]["refunded_amount"] == 7000
    stats = api.get("/api/admin/stats", token=admin).data
    assert (stats["total_revenue"], stats["total_refunds"], stats["net_revenue"]) == (17000, 7000, 10000)
    cv = pay_data.get(shop["done"])["cv_id"]
    assert api.get(f"/api/admin/cvs/{cv}", token=admin).data["cv"]["is_paid"] is True
    # Nothing to resolve: unflagged dismissal, a failed payment, an unknown one.
    reply = resolve(api, admin, shop["first"], action="dismissed", reason="nothing wrong")
    assert reply.status == 409 and reply.error["code"] == "PAYMENT_NOT_FLAGGED"
    reply = resolve(api, admin, shop["failed"], action="refunded", reason="never paid")
    assert reply.status == 409 and reply.error["code"] == "PAYMENT_NOT_RESOLVABLE"
    reply = resolve(api, admin, "CVNOSUCH22", action="refunded", reason="who?")
    assert reply.status == 404 and reply.error["code"] == "PAYMENT_NOT_FOUND"
    # Resolutions without a refund_reference read back whole (the document's schema checks it).
    listed = {p["reference"]: p for p in api.get("/api/admin/payments", token=admin).data}
    assert listed[shop["mismatch"]]["resolution"]["refund_reference"] is None
    assert listed[shop["duplicate"]]["resolution"]["action"] == "dismissed"
    # Reconciliation never flags a resolved mismatch again.
    from chapchap.payments import confirm
    assert confirm.confirm(pay_data.get(shop["mismatch"]), source="reconciliation").get("flagged") is None


@pytest.mark.parametrize("body", [{"action": "refunded"}, {"action": "refunded", "reason": ""},
                                  {"action": "refunded", "reason": "  x "}, {"action": "refunded", "reason": "y" * 501},
                                  {"action": "lost", "reason": "a good reason"},
                                  {"action": "dismissed", "reason": "a good reason", "refund_reference": "R1"},
                                  {"action": "refunded", "reason": "a good reason", "refund_reference": "a b"},
                                  {"action": "refunded", "reason": "a good reason", "amount": 1}])
def test_bad_input_is_422_and_changes_nothing(api, admin, shop, body):
    before = pay_data.get(shop["duplicate"])
    reply = resolve(api, admin, shop["duplicate"], **body)
    assert reply.status == 422 and reply.error["code"] == "VALIDATION_FAILED", reply.body
    assert pay_data.get(shop["duplicate"]) == before
    assert "refunds" not in counters.total(consistent=True)


def test_racing_resolutions_count_once(api, admin, shop, monkeypatch):
    """Two admins resolve at the same moment: both read the payment unresolved; the second
    transaction fails its condition on the old state."""
    from chapchap.admin import refunds
    from chapchap.data import users

    stale = pay_data.get(shop["duplicate"])
    assert resolve(api, admin, shop["duplicate"], action="refunded", reason=REASON).status == 200
    actor = users.get(table.get("EMAIL#boss@example.com", "EMAIL")["user_id"])
    real_get, reads = pay_data.get, []

    def first_read_is_stale(reference, **kw):
        reads.append(reference)
        return stale if len(reads) == 1 else real_get(reference, **kw)

    monkeypatch.setattr(refunds.pay_data, "get", first_read_is_stale)
    from chapchap.errors import Conflict
    with pytest.raises(Conflict) as raised:
        refunds.resolve(actor, shop["duplicate"], action="refunded", reason=REASON, refund_reference=None)
    assert raised.value.code == "ALREADY_RESOLVED" and len(reads) == 2
    total = counters.total(consistent=True)
    assert (total["refunds"], total["refunded_payments"]) == (5000, 1)


def test_call_counts_are_constant(api, admin, shop, ddb_calls, selcom_sim):
    with ddb_calls() as calls:
        assert resolve(api, admin, shop["duplicate"], action="refunded", reason=REASON).status == 200
    assert dict(calls) == {"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}  # guard, payment, write

    def listing():
        with ddb_calls() as listed:
            reply = api.get("/api/admin/payments", token=admin, query="flagged=true&limit=2")
        assert reply.status == 200 and len(reply.data) <= 2
        return dict(listed)

    small = listing()
    buyer = register(api, "twice@example.com")
    for _ in range(4):  # four more duplicates
        cv = new_cv(api, buyer["access_token"], "classic-navy")
        one, two = initiate(api, buyer["access_token"], cv["id"]), initiate(api, buyer["access_token"], cv["id"])
        for p in (one, two):
            selcom_sim.pay(p["reference"])
            webhook(api, p["reference"])
    assert listing() == small == {"BatchGetItem": 2, "Query": 1}  # guard + the page's payments, the index


def test_the_rollup_of_the_refund_day_shows_it(api, admin, shop, monkeypatch):
    from tests.support.apigw import invoke

    day = today() - timedelta(days=2)
    tokens_follow_the_frozen_clock(monkeypatch)
    freeze(monkeypatch, clock.business_day_bounds(day)[0] + timedelta(hours=11))
    assert resolve(api, admin, shop["duplicate"], action="refunded", reason=REASON).status == 200
    real_time(monkeypatch)
    first = invoke("DailyRollupFunction", {"date": day.isoformat()})
    assert first["days"][0]["refunds"] == 5000
    record = table.get("ANALYTICS#DAILY", day.isoformat())
    assert (record["refunds"], record["refunded_payments"], record["template_refunds"]) == (5000, 1, {"classic-navy": 5000})
    assert invoke("DailyRollupFunction", {"date": day.isoformat()}) == first  # idempotent
    assert table.get("ANALYTICS#DAILY", day.isoformat()) == record
    rows = {r["period_start"]: r for r in api.get("/api/admin/analytics", token=admin,
                                                  query=f"from={day}").data}
    row = rows[day.isoformat()]
    assert (row["source"], row["refunds"], row["net_revenue"]) == ("rollup", 5000, -5000)
    assert rows[today().isoformat()]["refunds"] == 0  # the refund is on its own day, not the payment's
    for period in ("weekly", "monthly"):
        series = api.get("/api/admin/analytics", token=admin, query=f"period={period}&from={day}").data
        assert sum(r["refunds"] for r in series) == 5000 and sum(r["revenue"] for r in series) == 17000
        assert sum(r["net_revenue"] for r in series) == 12000


# ---------------------------------------------------------------- long analytics
def _month_back(day, months):
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return day.replace(year=year, month=month + 1, day=1)


def test_long_monthly_and_weekly_series_take_one_or_two_queries(api, admin, selcom_sim, monkeypatch, ddb_calls):
    from tests.support.apigw import invoke

    # History twenty months back and three months back, each rolled up by its night's run.
    tokens_follow_the_frozen_clock(monkeypatch)
    old_day = _month_back(today(), 20) + timedelta(days=9)
    recent_day = _month_back(today(), 3) + timedelta(days=4)
    for n, day in enumerate((old_day, recent_day)):
        freeze(monkeypatch, clock.business_day_bounds(day)[0] + timedelta(hours=12))
        buyer = register(api, f"b{n}@example.com")
        cv = new_cv(api, buyer["access_token"], "classic-navy")
        pay(api, selcom_sim, buyer["access_token"], cv["id"])
    real_time(monkeypatch)
    for day in (old_day, recent_day):
        invoke("DailyRollupFunction", {"date": day.isoformat()})

    last = _month_back(today(), 1) - timedelta(days=1)  # the end of the month before last
    first = _month_back(today(), 24)
    with ddb_calls() as calls:
        reply = api.get("/api/admin/analytics", token=admin, query=f"period=monthly&from={first}&to={last}")
    assert reply.status == 200, reply.body
    assert calls["Query"] <= 2 and "Scan" not in calls, dict(calls)
    print(f"\n24 months, ending in the past: {dict(calls)}")
    rows = {r["period_start"]: r for r in reply.data}
    assert len(rows) == 23
    assert (rows[old_day.replace(day=1).isoformat()]["revenue"], rows[recent_day.replace(day=1).isoformat()]["revenue"]) == (5000, 5000)
    assert sum(r["revenue"] for r in rows.values()) == 10000
    assert rows[old_day.replace(day=1).isoformat()]["new_users"] == 1

    week_first = last - timedelta(weeks=155)
    with ddb_calls() as calls:
        reply = api.get("/api/admin/analytics", token=admin, query=f"period=weekly&from={week_first}&to={last}")
    assert reply.status == 200, reply.body
    assert calls["Query"] <= 2 and len(reply.data) == 156, dict(calls)
    print(f"156 weeks, ending in the past: {dict(calls)}")
    assert sum(r["revenue"] for r in reply.data) == 10000 and sum(r["paid_cvs"] for r in reply.data) == 2

    # Ending today: the same, plus the live days not yet rolled up (today, and yesterday
    # before its night's run): one Query per counter shard of each (docs/scale.md).
    with ddb_calls() as calls:
        reply = api.get("/api/admin/analytics", token=admin, query=f"period=monthly&from={_month_back(today(), 23)}")
    assert reply.status == 200 and len(reply.data) == 24, reply.body
    assert calls["Query"] <= 2 + 2 * counters.shard_count(), dict(calls)
    print(f"24 months, ending today: {dict(calls)}")
    assert sum(r["revenue"] for r in reply.data) == 10000


@pytest.mark.parametrize("query, ok", [
    ("period=monthly&from=2016-01-01&to=2025-12-31", True),     # 120 months
    ("period=monthly&from=2015-12-01&to=2025-12-31", False),    # 121
    ("period=weekly&from=2023-01-02&to=2025-12-28", True),      # 156 weeks
    ("period=weekly&from=2022-12-26&to=2025-12-28", False),     # 157
    ("period=daily&from=2025-01-01&to=2025-12-31", True),
    ("period=daily&from=2024-12-30&to=2025-12-31", False),     # 367 days
])
def test_the_limits_of_a_series(api, admin, query, ok):
    reply = api.get("/api/admin/analytics", token=admin, query=query)
    if ok:
        assert reply.status == 200, reply.body
    else:
        assert reply.status == 400 and reply.error["code"] == "BAD_QUERY"
        assert "at most" in reply.error["message"]


def test_payments_flagged_before_the_index_are_listed_after_the_backfill(api, admin, shop):
    """A stage upgraded with flagged payments: the payment-lookup backfill gives them their
    flagged-index entries (docs/deploy.md); resolved ones get none."""
    from chapchap.data import refunds as refund_data
    from tests.support.apigw import invoke

    assert resolve(api, admin, shop["duplicate"], action="dismissed", reason=REASON).status == 200
    for item in table.query(pk=refund_data.FLAGGED)[0]:  # as a stage from before the index
        table.transact([table.delete_op(item["pk"], item["sk"])])
    assert api.get("/api/admin/payments", token=admin, query="flagged=true").data == []

    month = clock.business_month()
    for _ in range(2):  # idempotent
        invoke("PaymentLookupBackfillFunction", {"from": month, "to": month})
        listed = api.get("/api/admin/payments", token=admin, query="flagged=true").data
        assert [p["reference"] for p in listed] == [shop["mismatch"]]
    assert [e["kind"] for e in table.query(pk=refund_data.FLAGGED)[0]] == ["mismatch"]
