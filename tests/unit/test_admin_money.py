"""Admin money endpoints through their real handlers against moto (and the Selcom simulator):
roles, audit entries, templates, payments, reports, rollup, analytics, settings, call counts."""
from __future__ import annotations

import csv
import io
import json
import os
from datetime import date, datetime, timedelta, timezone

import boto3
import pytest

from chapchap import clock
from chapchap.data import counters, table
from local.template import ROOT
from tests.support.contract import CheckedApi
from tests.support.shop import (admin_token, audit_items, freeze, initiate, new_cv, pay, real_time, register,
                                tokens_follow_the_frozen_clock, webhook)

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
def api():
    """Every reply of these flows must be one openapi.json documents, with a body its schema accepts."""
    return CheckedApi()


ADMIN_ROUTES = [
    ("GET", "/api/admin/stats", None),
    ("GET", "/api/admin/templates", None),
    ("GET", "/api/admin/templates/stats", None),
    ("POST", "/api/admin/templates", {"name": "X", "layout": "classic"}),
    ("PUT", "/api/admin/templates/classic-navy", {"name": "X"}),
    ("DELETE", "/api/admin/templates/classic-zanzibar", None),
    ("PUT", "/api/admin/templates/classic-navy/status", {"is_active": False}),
    ("GET", "/api/admin/payments", None),
    ("GET", "/api/admin/analytics", None),
    ("GET", "/api/admin/reports/payments", None),
    ("GET", "/api/admin/settings", None),
    ("PUT", "/api/admin/settings", {"default_price": 1}),
]


@pytest.fixture
def admin(api):
    return admin_token(api)


@pytest.fixture
def user(api):
    return register(api, "user@example.com")


def today():
    return clock.business_date()


# ---------------------------------------------------------------- who may call
@pytest.mark.parametrize("method, path, body", ADMIN_ROUTES, ids=[f"{m} {p}" for m, p, _ in ADMIN_ROUTES])
def test_admin_routes_refuse_users_and_strangers(api, user, method, path, body):
    as_user = api.request(method, path, json_body=body, token=user["access_token"])
    assert as_user.status == 403 and as_user.error["code"] == "FORBIDDEN"
    assert api.request(method, path, json_body=body).status == 401


def test_a_demoted_admin_loses_access_at_once(api, admin):
    from chapchap.data import table, users
    assert api.get("/api/admin/stats", token=admin).status == 200
    email = table.get("EMAIL#boss@example.com", "EMAIL")
    users.update_profile(email["user_id"], {"role": "user"})
    assert api.get("/api/admin/stats", token=admin).status == 403


# ---------------------------------------------------------------- templates
NEW_TEMPLATE = {"id": "modern-serengeti", "name": "Modern Serengeti", "description": "Gold and green.",
                "thumbnail_url": "https://cdn.example.com/serengeti.png", "layout": "modern",
                "theme": {"colors": {"primary": "#2F4F2F", "accent": "#C9A227"},
                          "fonts": {"heading": "Open Sans", "body": "Noto Sans"},
                          "margins": {"left": 12.5}, "font_size": 9.5},
                "price": 6000, "sort": 60}


def public_ids(api):
    return [t["id"] for t in api.get("/api/templates").data]


def test_create_template_is_audited_and_public_when_active(api, admin):
    reply = api.post("/api/admin/templates", json=NEW_TEMPLATE, token=admin)
    assert reply.status == 201, reply.body
    template = reply.data["template"]
    assert template["id"] == "modern-serengeti" and template["price"] == {"amount": 6000, "currency": "TZS"}
    assert template["theme"]["margins"] == {"left": 12.5} and template["is_active"] is True
    assert template["cvs_count"] == 0 and template["revenue"] == 0
    assert "modern-serengeti" in public_ids(api)
    entries = [e for e in audit_items() if e["action"] == "template.create"]
    assert len(entries) == 1 and entries[0]["entity_id"] == "modern-serengeti"
    assert entries[0]["after"]["price"] == 6000 and entries[0].get("before") is None
    again = api.post("/api/admin/templates", json=NEW_TEMPLATE, token=admin)
    assert again.status == 409 and again.error["code"] == "TEMPLATE_EXISTS"
    # Without an id, one is made from the name (and made unique).
    named = api.post("/api/admin/templates", json={"name": "Modern Serengeti", "layout": "compact"}, token=admin)
    assert named.status == 201 and named.data["template"]["id"].startswith("modern-serengeti-")
    assert named.data["template"]["price"]["amount"] == 5000  # the default price


@pytest.mark.parametrize("change", [
    {"layout": "fancy"}, {"theme": {"colors": {"primary": "blue"}}}, {"theme": {"fonts": {"body": "Comic Sans"}}},
    {"theme": {"sparkles": True}}, {"theme": {"margins": {"top": 100}}}, {"price": -1}, {"price": "5000"},
    {"price": 12.5}, {"thumbnail_url": "http://insecure.example.com/x.png"}, {"id": "Bad Id"}, {"name": ""},
    {"is_active": "yes"},
    # blank to one regex flavour only (U+0085 is not ECMA-262 \s, U+FEFF is not Unicode White_Space):
    # refused by both the server and the document's pattern
    {"thumbnail_url": "https://\u0085"}, {"thumbnail_url": "https://cdn.example.com/\ufeffx.png"}])
def test_create_template_validates(api, admin, change):
    body = {**NEW_TEMPLATE, **change}
    reply = api.post("/api/admin/templates", json=body, token=admin)
    assert reply.status == 422, reply.body


def test_template_layouts_fonts_and_theme_keys_match_the_renderer():
    from chapchap import pdf
    from chapchap.models import admin_money
    from chapchap.pdf import _theme
    assert admin_money.TEMPLATE_LAYOUTS == pdf.LAYOUTS
    assert set(admin_money.THEME_FONTS) == set(pdf.FONT_FAMILIES)
    assert set(admin_money.ThemeColors.model_fields) == set(_theme.COLOR_KEYS)
    assert set(admin_money.ThemeMargins.model_fields) == set(_theme.MARGIN_KEYS)


def test_update_template_changes_given_fields_and_is_audited(api, admin):
    reply = api.put("/api/admin/templates/modern-ocean", json={"price": None, "description": "New words.",
                                                               "sort": 5}, token=admin)
    assert reply.status == 200, reply.body
    template = reply.data["template"]
    assert template["own_price"] is None and template["price"]["amount"] == 5000
    assert template["description"] == "New words." and template["sort"] == 5
    assert public_ids(api)[0] == "modern-ocean"  # the sort key moved with it
    entry = next(e for e in audit_items() if e["action"] == "template.update")
    from chapchap.templates.catalog import STARTER_TEMPLATES
    starter = next(t for t in STARTER_TEMPLATES if t["id"] == "modern-ocean")
    assert entry["before"] == {"price": 7000, "description": starter["description"], "sort": 20}
    assert entry["after"] == {"description": "New words.", "sort": 5}  # price: null is stored as absent
    assert api.put("/api/admin/templates/no-such", json={"name": "X"}, token=admin).status == 404
    assert api.put("/api/admin/templates/modern-ocean", json={}, token=admin).status == 422
    assert api.put("/api/admin/templates/modern-ocean", json={"name": None}, token=admin).status == 422
    assert api.put("/api/admin/templates/modern-ocean", json={"is_active": False}, token=admin).status == 422


def test_status_toggle_changes_the_public_list_and_is_audited(api, admin, user):
    reply = api.put("/api/admin/templates/compact-ats/status", json={"is_active": False}, token=admin)
    assert reply.status == 200 and reply.data["template"]["is_active"] is False
    assert "compact-ats" not in public_ids(api)
    refused = api.post("/api/cvs", json={"template_id": "compact-ats", "content": {}}, token=user["access_token"])
    assert refused.status == 422
    again = api.put("/api/admin/templates/compact-ats/status", json={"is_active": False}, token=admin)
    assert again.status == 200  # no change, no new audit entry
    assert api.put("/api/admin/templates/compact-ats/status", json={"is_active": True}, token=admin).status == 200
    assert public_ids(api) == ["classic-navy", "modern-ocean", "compact-ats", "modern-kilimanjaro", "classic-zanzibar"]
    actions = [e["action"] for e in audit_items() if e["entity_id"] == "compact-ats"]
    assert sorted(actions) == ["template.activate", "template.deactivate"]
    assert api.put("/api/admin/templates/compact-ats/status", json={"is_active": "no"}, token=admin).status == 422


def test_delete_is_refused_while_live_cvs_use_the_template(api, admin, user):
    token = user["access_token"]
    api.post("/api/admin/templates", json=NEW_TEMPLATE, token=admin)
    first = new_cv(api, token, "modern-serengeti")
    second = new_cv(api, None, "modern-serengeti", headers={"x-anonymous-id": "0b8f6a52-1111-4222-8333-944455556666"})
    refused = api.delete("/api/admin/templates/modern-serengeti", token=admin)
    assert refused.status == 409 and refused.error["code"] == "TEMPLATE_IN_USE"
    assert refused.error["message"].startswith("2 CVs use this template")
    # One CV moves to another template, the other is deleted: both release it.
    assert api.put(f"/api/cvs/{first['id']}", json={"template_id": "classic-navy"}, token=token).status == 200
    assert api.delete(f"/api/cvs/{second['id']}",
                      headers={"x-anonymous-id": "0b8f6a52-1111-4222-8333-944455556666"}).status == 204
    counter = counters.template("modern-serengeti", consistent=True)  # its shards added up
    assert counter["live_cvs"] == 0 and counter["cvs"] == 2
    assert counters.template("classic-navy")["live_cvs"] == 1
    assert api.delete("/api/admin/templates/modern-serengeti", token=admin).status == 204
    assert "modern-serengeti" not in [t["id"] for t in api.get("/api/admin/templates", token=admin).data]
    entry = next(e for e in audit_items() if e["action"] == "template.delete")
    assert entry["before"]["name"] == "Modern Serengeti" and entry.get("after") is None
    assert api.delete("/api/admin/templates/modern-serengeti", token=admin).status == 404
    # Its CVs created stay in the totals, in a row of their own.
    stats = api.get("/api/admin/templates/stats", token=admin).data
    assert stats["deleted_templates"]["cvs"] == 2


def test_an_unused_starter_template_can_be_deleted(api, admin):
    assert api.delete("/api/admin/templates/classic-zanzibar", token=admin).status == 204
    assert "classic-zanzibar" not in public_ids(api)


def test_templates_list_and_stats_carry_usage_and_revenue(api, admin, selcom_sim):
    buyer = register(api, "buyer@example.com")
    token = buyer["access_token"]
    paid = new_cv(api, token, "modern-ocean")
    new_cv(api, token, "modern-ocean")
    new_cv(api, token, "classic-navy")
    pay(api, selcom_sim, token, paid["id"])
    listed = api.get("/api/admin/templates", token=admin)
    assert listed.status == 200 and listed.body["meta"] == {"limit": 100, "next_cursor": None}
    by_id = {t["id"]: t for t in listed.data}
    assert by_id["modern-ocean"]["cvs_count"] == 2 and by_id["modern-ocean"]["paid_count"] == 1
    assert by_id["modern-ocean"]["revenue"] == 7000 and by_id["classic-navy"]["revenue"] == 0
    assert by_id["modern-ocean"]["live_cvs"] == 2
    first = api.get("/api/admin/templates", token=admin, query="limit=2")
    assert len(first.data) == 2 and first.body["meta"]["next_cursor"]
    rest = api.get("/api/admin/templates", token=admin, query=f"limit=100&cursor={first.body['meta']['next_cursor']}")
    assert [t["id"] for t in first.data + rest.data] == [t["id"] for t in listed.data]
    assert api.get("/api/admin/templates", token=admin, query="cursor=forged.x").status == 400
    stats = api.get("/api/admin/templates/stats", token=admin).data
    assert stats["totals"] == {"cvs": 3, "paid_cvs": 1, "revenue": 7000, "downloads": 0, "refunds": 0,
                               "net_revenue": 7000}
    top = stats["templates"][0]
    assert top["template_id"] == "modern-ocean" and top["revenue_share"] == 1.0
    assert top["cvs_share"] == round(2 / 3, 4) and top["conversion"] == 0.5
    assert stats["deleted_templates"] is None


# ---------------------------------------------------------------- stats
def test_stats_from_the_live_counters(api, admin, selcom_sim):
    buyer = register(api, "buyer@example.com")
    token = buyer["access_token"]
    cv = new_cv(api, token, "modern-ocean")
    new_cv(api, token, "classic-navy")
    new_cv(api, token, "classic-navy")
    pay(api, selcom_sim, token, cv["id"])
    data = api.get("/api/admin/stats", token=admin).data
    assert data["total_users"] == 1  # sign-ups: the admin account made by ensure_admin is not one
    assert data["total_cvs"] == 3 and data["cvs_today"] == 3 and data["paid_cvs"] == 1
    assert data["total_revenue"] == data["revenue_today"] == 7000 and data["currency"] == "TZS"
    assert data["active_users_today"] == 2  # the buyer's sign-up and the admin's sign-in
    assert data["popular_templates"][0] == {"template_id": "classic-navy", "name": "Classic Navy", "cvs": 2,
                                            "paid_cvs": 0, "revenue": 0, "is_active": True}
    assert data["popular_templates"][1]["revenue"] == 7000
    assert data["business_date"] == today().isoformat()


# ---------------------------------------------------------------- payments
@pytest.fixture
def some_payments(api, selcom_sim):
    """Four payments: completed 7000, completed 5000 (default price), failed, flagged mismatch,
    and a duplicate payment of an already paid CV."""
    buyer = register(api, "buyer@example.com")
    token = buyer["access_token"]
    a, b, c, d = (new_cv(api, token, t) for t in ("modern-ocean", "classic-zanzibar", "compact-ats", "classic-navy"))
    done = pay(api, selcom_sim, token, a["id"])
    default_priced = pay(api, selcom_sim, token, b["id"])
    rejected = initiate(api, token, c["id"], phone="0754320001")
    selcom_sim.pay(rejected["reference"])
    webhook(api, rejected["reference"], "REJECTED")
    mismatch = initiate(api, token, d["id"], phone="0754320003")
    selcom_sim.pay(mismatch["reference"])
    webhook(api, mismatch["reference"])
    # Two orders for one CV, both paid: the second is kept and flagged for a refund.
    first, second = initiate(api, token, d["id"]), initiate(api, token, d["id"])
    for p in (first, second):
        selcom_sim.pay(p["reference"])
        webhook(api, p["reference"])
    return {"completed": [done["reference"], default_priced["reference"], first["reference"], second["reference"]],
            "failed": rejected["reference"], "mismatch": mismatch["reference"], "duplicate": second["reference"]}


def test_admin_payments_list_filters_and_flags(api, admin, some_payments):
    listed = api.get("/api/admin/payments", token=admin)
    assert listed.status == 200, listed.body
    assert len(listed.data) == 6
    assert [p["created_at"] for p in listed.data] == sorted((p["created_at"] for p in listed.data), reverse=True)
    meta = listed.body["meta"]
    assert meta["next_cursor"] is None and meta["sort"] == "created_at" and meta["to"] == today().isoformat()
    by_ref = {p["reference"]: p for p in listed.data}
    assert by_ref[some_payments["failed"]]["status"] == "failed"
    flagged = by_ref[some_payments["mismatch"]]
    assert flagged["flagged"] is True and flagged["needs_attention"] is True and flagged["status"] == "pending"
    assert flagged["mismatch"]["expected_amount"] == 5000 and flagged["mismatch"]["reported_amount"] == 5500
    assert by_ref[some_payments["duplicate"]]["duplicate_payment"] is True
    assert by_ref[some_payments["completed"][0]]["buyer_email"] == "buyer@example.com"
    completed = api.get("/api/admin/payments", token=admin, query="status=completed").data
    assert sorted(p["reference"] for p in completed) == sorted(some_payments["completed"])
    attention = api.get("/api/admin/payments", token=admin, query="flagged=true").data
    assert {p["reference"] for p in attention} == {some_payments["mismatch"], some_payments["duplicate"]}
    assert len(api.get("/api/admin/payments", token=admin, query="flagged=false").data) == 4
    oldest = api.get("/api/admin/payments", token=admin, query="order=asc&limit=2")
    assert len(oldest.data) == 2 and oldest.body["meta"]["next_cursor"]
    rest = api.get("/api/admin/payments", token=admin,
                   query=f"order=asc&limit=10&cursor={oldest.body['meta']['next_cursor']}").data
    assert [p["reference"] for p in oldest.data + rest] == [p["reference"] for p in reversed(listed.data)]
    # A cursor is bound to its filters.
    other = api.get("/api/admin/payments", token=admin,
                    query=f"order=desc&limit=10&cursor={oldest.body['meta']['next_cursor']}")
    assert other.status == 400 and other.error["code"] == "BAD_CURSOR"
    yesterday = (today() - timedelta(days=1)).isoformat()
    assert api.get("/api/admin/payments", token=admin, query=f"from={yesterday}&to={yesterday}").data == []


def test_admin_payments_sorted_by_amount(api, admin, some_payments):
    reply = api.get("/api/admin/payments", token=admin, query="sort=amount&limit=3")
    assert reply.status == 200 and reply.body["meta"]["total"] == 6
    page_two = api.get("/api/admin/payments", token=admin,
                       query=f"sort=amount&limit=3&cursor={reply.body['meta']['next_cursor']}")
    rows = reply.data + page_two.data
    assert page_two.body["meta"]["next_cursor"] is None
    keys = [(p["amount"], p["created_at"], p["reference"]) for p in rows]
    assert keys == sorted(keys, reverse=True) and rows[0]["amount"] == 7000 and len(rows) == 6
    cheapest = api.get("/api/admin/payments", token=admin, query="sort=amount&order=asc&status=completed").data
    assert [p["amount"] for p in cheapest] == [5000, 5000, 5000, 7000]
    long_range = (today() - timedelta(days=400)).isoformat()
    too_long = api.get("/api/admin/payments", token=admin, query=f"sort=amount&from={long_range}")
    assert too_long.status == 400 and too_long.error["code"] == "BAD_QUERY"


def test_amount_sort_refuses_a_range_over_the_cap(api, admin, monkeypatch, some_payments):
    from chapchap.admin import payments as admin_payments
    monkeypatch.setattr(admin_payments, "AMOUNT_SORT_MAX", 5)
    reply = api.get("/api/admin/payments", token=admin, query="sort=amount")
    assert reply.status == 400 and "more than 5 payments" in reply.error["message"]


@pytest.mark.parametrize("query", ["status=paid", "sort=price", "order=up", "from=2026-13-01", "from=yesterday",
                                   "from=2026-05-02&to=2026-05-01", "flagged=maybe", "state=completed",
                                   "limit=0", "limit=101", "cursor=abc", "from=2000-01-01"])
def test_admin_payments_bad_query_is_400(api, admin, query):
    reply = api.get("/api/admin/payments", token=admin, query=query)
    assert reply.status == 400 and reply.error["code"] in ("BAD_QUERY", "BAD_CURSOR"), reply.body


# ---------------------------------------------------------------- reports
def _s3_object(url):
    from urllib.parse import unquote, urlparse
    bucket = os.environ["BUCKET_NAME"]
    key = unquote(urlparse(url).path.lstrip("/"))
    key = key[len(bucket) + 1:] if key.startswith(bucket + "/") else key
    return key, boto3.client("s3").get_object(Bucket=bucket, Key=key)


def test_csv_report_is_exact(api, admin, some_payments):
    from chapchap.data import payments as pay_data
    reply = api.get("/api/admin/reports/payments", token=admin, query="format=csv")
    assert reply.status == 200, reply.body
    assert reply.data["payments"] == 6 and reply.data["expires_at"].endswith("Z")
    key, obj = _s3_object(reply.data["url"])
    assert key.startswith(f"reports/payments/{(today() - timedelta(days=29)).isoformat()}_{today().isoformat()}/")
    assert key.endswith(".csv") and obj["ContentType"].startswith("text/csv")
    assert "X-Amz-Expires=300" in reply.data["url"]
    text = obj["Body"].read().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["reference", "status", "amount", "currency", "method", "created_at", "created_business_date",
                       "completed_at", "completed_business_date", "transaction_id", "channel", "template_id",
                       "cv_id", "user_id", "buyer_email", "buyer_name", "phone", "flagged", "duplicate_payment",
                       "resolution", "refunded_amount", "refunded_at", "refund_reference"]
    stored = sorted((pay_data.get(ref) for ref in some_payments["completed"] + [some_payments["failed"],
                                                                                 some_payments["mismatch"]]),
                    key=lambda p: (p["created_at"], p["reference"]))
    expected = []
    for p in stored:
        completed_day = clock.business_date(clock.parse_iso(p["completed_at"])).isoformat() if p.get(
            "completed_at") else ""
        expected.append([p["reference"], p["status"], str(p["amount"]), "TZS", "card", p["created_at"],
                         today().isoformat(), p.get("completed_at") or "", completed_day,
                         p.get("transaction_id") or "", p.get("channel") or "", p["template_id"], p["cv_id"],
                         p["user_id"], "buyer@example.com", "Amina Juma", p["phone"],
                         "true" if p.get("flagged") else "false", "true" if p.get("duplicate_payment") else "false",
                         "", "", "", ""])
    assert rows[1:] == expected
    assert text.count("\r\n") == 7
    assert sum(int(r[2]) for r in rows[1:] if r[1] == "completed") == 7000 + 5000 + 5000 + 5000


def test_csv_cells_that_look_like_formulas_are_defused():
    from chapchap.admin.reports import csv_row
    row = csv_row({"reference": "CVX", "status": "completed", "amount": 1, "currency": "TZS", "method": "card",
                   "created_at": "2026-01-01T00:00:00.000Z", "buyer_name": "=HYPERLINK(\"x\")", "buyer_email": "@a"})
    assert "'=HYPERLINK(\"x\")" in row and "'@a" in row


def test_pdf_report_lists_completed_payments_and_totals(api, admin, some_payments):
    from pypdf import PdfReader
    reply = api.get("/api/admin/reports/payments", token=admin, query=f"format=pdf&from={today()}&to={today()}")
    assert reply.status == 200, reply.body
    key, obj = _s3_object(reply.data["url"])
    assert key.endswith(".pdf") and obj["ContentType"] == "application/pdf"
    reader = PdfReader(io.BytesIO(obj["Body"].read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for reference in some_payments["completed"]:
        assert reference in text
    from chapchap.data import payments as pay_data
    assert pay_data.get(some_payments["completed"][0])["transaction_id"] in text
    assert "22,000" in text  # completed revenue: 7,000 + 3 x 5,000
    assert "Totals by status" in text and "Totals by day of creation" in text
    assert "Needs attention" in text and some_payments["mismatch"] in text
    assert "paid twice for one CV: refund" in text


@pytest.mark.parametrize("query", ["format=xlsx", "from=2025-01-01&to=2026-12-31", "month=2026-01"])
def test_report_bad_query_is_400(api, admin, query):
    assert api.get("/api/admin/reports/payments", token=admin, query=query).status == 400


# ---------------------------------------------------------------- rollup and analytics
def at(monkeypatch, moment):
    tokens_follow_the_frozen_clock(monkeypatch)
    freeze(monkeypatch, moment)


def _day_start(day):
    return clock.business_day_bounds(day)[0]


def test_rollup_is_idempotent_and_backfills_any_day(api, monkeypatch, selcom_sim):
    from tests.support.apigw import invoke
    day = today() - timedelta(days=3)
    start = _day_start(day)
    at(monkeypatch, start + timedelta(hours=10))
    buyer = register(api, "buyer@example.com")
    cv = new_cv(api, buyer["access_token"], "modern-ocean")
    new_cv(api, buyer["access_token"], "classic-navy")
    pay(api, selcom_sim, buyer["access_token"], cv["id"])
    at(monkeypatch, start + timedelta(hours=23, minutes=59))  # 23:59 in Dar es Salaam: still that day
    register(api, "late@example.com")
    at(monkeypatch, start + timedelta(days=1, minutes=1))  # 00:01 the next day
    register(api, "early@example.com")
    real_time(monkeypatch)

    first = invoke("DailyRollupFunction", {"date": day.isoformat()})
    assert first["days"] == [{"date": day.isoformat(), "new_users": 2, "cvs_created": 2, "paid_cvs": 1,
                              "revenue": 7000, "refunds": 0, "downloads": 0, "active_users": 2}]
    record = table.get("ANALYTICS#DAILY", day.isoformat())
    assert record["template_usage"] == {"classic-navy": 1, "modern-ocean": 1}
    assert record["template_revenue"] == {"modern-ocean": 7000}
    again = invoke("DailyRollupFunction", {"date": day.isoformat()})
    assert again == first and table.get("ANALYTICS#DAILY", day.isoformat()) == record
    # The schedule (no date) rolls up yesterday; a range backfills several days.
    schedule_event = json.loads((ROOT / "events" / "scheduled" / "reconcile.json").read_text())  # no date
    scheduled = invoke("DailyRollupFunction", schedule_event)
    assert [d["date"] for d in scheduled["days"]] == [(today() - timedelta(days=1)).isoformat()]
    assert scheduled["days"][0]["new_users"] == 0
    ranged = invoke("DailyRollupFunction", {"from": (day - timedelta(days=1)).isoformat(),
                                            "to": (day + timedelta(days=1)).isoformat()})
    assert [d["new_users"] for d in ranged["days"]] == [0, 2, 1]
    with pytest.raises(Exception, match="not over"):
        invoke("DailyRollupFunction", {"date": today().isoformat()})
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        invoke("DailyRollupFunction", {"date": "21/11/2026"})


def test_the_rollup_runs_at_five_past_midnight_business_time():
    from local.schedules import jobs_of
    from local.template import load_template
    job = next(j for j in jobs_of(load_template()) if j.function_id == "DailyRollupFunction")
    assert (job.kind, job.expression, job.timezone) == ("ScheduleV2", "cron(5 0 * * ? *)", "Africa/Dar_es_Salaam")
    after = datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)
    assert job.schedule.next_after(after) == datetime(2026, 11, 22, 21, 5, tzinfo=timezone.utc)  # 00:05 in Dar


def _history(api, monkeypatch, selcom_sim):
    """Activity on three days: ten days ago, five days ago (both rolled up) and today."""
    base = today()
    for offset, n_cvs in ((10, 2), (5, 3)):
        at(monkeypatch, _day_start(base - timedelta(days=offset)) + timedelta(hours=12))
        buyer = register(api, f"b{offset}@example.com")
        cvs = [new_cv(api, buyer["access_token"], "classic-navy") for _ in range(n_cvs)]
        pay(api, selcom_sim, buyer["access_token"], cvs[0]["id"])
    real_time(monkeypatch)
    buyer = register(api, "today@example.com")
    cv = new_cv(api, buyer["access_token"], "modern-ocean")
    pay(api, selcom_sim, buyer["access_token"], cv["id"])
    from tests.support.apigw import invoke
    invoke("DailyRollupFunction", {"from": (today() - timedelta(days=12)).isoformat(),
                                   "to": (today() - timedelta(days=1)).isoformat()})


def test_analytics_daily_weekly_monthly(api, admin, monkeypatch, selcom_sim):
    _history(api, monkeypatch, selcom_sim)
    first = (today() - timedelta(days=12)).isoformat()
    daily = api.get("/api/admin/analytics", token=admin, query=f"period=daily&from={first}")
    assert daily.status == 200, daily.body
    rows = daily.data
    assert len(rows) == 13 and rows[-1]["period_start"] == today().isoformat()
    assert set(rows[0]) >= {"period_start", "cvs_created", "paid_cvs", "revenue", "new_users", "active_users",
                            "downloads", "template_usage"}
    by_day = {r["period_start"]: r for r in rows}
    ten = by_day[(today() - timedelta(days=10)).isoformat()]
    assert (ten["cvs_created"], ten["paid_cvs"], ten["revenue"], ten["new_users"], ten["active_users"]) == (2, 1, 5000, 1, 1)
    assert ten["template_usage"] == {"classic-navy": 2} and ten["source"] == "rollup"
    now_row = by_day[today().isoformat()]
    assert now_row["source"] == "live" and now_row["partial"] is True
    assert now_row["template_usage"] == {"modern-ocean": 1} and now_row["revenue"] == 7000
    assert now_row["new_users"] == 1 and now_row["active_users"] == 2  # today@ and the admin's sign-in
    assert daily.body["meta"]["missing_days"] == []
    assert sum(r["revenue"] for r in rows) == 5000 + 5000 + 7000

    weekly = api.get("/api/admin/analytics", token=admin, query=f"period=weekly&from={first}").data
    assert all(date.fromisoformat(r["period_start"]).weekday() == 0 for r in weekly)
    assert sum(r["cvs_created"] for r in weekly) == 6 and sum(r["revenue"] for r in weekly) == 17000
    assert weekly[-1]["period_end"] == (date.fromisoformat(weekly[-1]["period_start"]) + timedelta(days=6)).isoformat()
    monthly = api.get("/api/admin/analytics", token=admin, query=f"period=monthly&from={first}").data
    assert all(r["period_start"].endswith("-01") for r in monthly)
    assert sum(r["new_users"] for r in monthly) == 3 and sum(r["paid_cvs"] for r in monthly) == 3
    assert {k for r in monthly for k in r["template_usage"]} == {"classic-navy", "modern-ocean"}
    default = api.get("/api/admin/analytics", token=admin)
    assert len(default.data) == 30 and default.body["meta"]["period"] == "daily"


@pytest.mark.parametrize("query", ["period=hourly", "from=2026-02-30", "period=daily&from=2020-01-01",
                                   "from=2999-01-01&to=2999-02-01", "tz=UTC"])
def test_analytics_bad_query_is_400(api, admin, query):
    assert api.get("/api/admin/analytics", token=admin, query=query).status == 400


# ---------------------------------------------------------------- settings
SECRET = "sk-live-0123456789abcdef1a2b"


def _ssm():
    return boto3.client("ssm")


def test_settings_secrets_are_write_only(api, admin, monkeypatch):
    from chapchap.admin.settings import PARAMETER_FIELDS
    for name in PARAMETER_FIELDS.values():
        monkeypatch.delenv(name.upper().replace("-", "_"), raising=False)
    shown = api.get("/api/admin/settings", token=admin).data
    assert shown["default_price"] == 5000 and shown["currency"] == "TZS"
    assert shown["business_time_zone"] == "Africa/Dar_es_Salaam" and shown["selcom_api_key"] is None
    reply = api.put("/api/admin/settings", json={"selcom_api_key": SECRET, "openai_api_key": "sk-openai-abcdefgh9999",
                                                 "selcom_vendor": "TILL70001", "ai_provider": "openai"}, token=admin)
    assert reply.status == 200, reply.body
    body = json.dumps(reply.body)
    assert SECRET not in body and "sk-openai-abcdefgh9999" not in body
    assert reply.data["selcom_api_key"] == "••••1a2b" and reply.data["openai_api_key"] == "••••9999"
    assert reply.data["selcom_vendor"] == "TILL70001" and reply.data["ai_provider"] == "openai"
    assert reply.data["secret_sources"]["selcom_api_key"] == "parameter_store"
    stored = _ssm().get_parameter(Name="/cvchapchap/dev/selcom-api-key", WithDecryption=True)["Parameter"]
    assert stored["Value"] == SECRET and stored["Type"] == "SecureString"
    from chapchap.secretstore import get_secret
    assert get_secret("selcom-api-key") == SECRET  # what the Selcom client will read
    again = api.get("/api/admin/settings", token=admin)
    assert SECRET not in json.dumps(again.body) and again.data["selcom_api_key"] == "••••1a2b"
    entries = [e for e in audit_items() if e["entity"] == "settings"]
    assert len(entries) == 1 and SECRET not in json.dumps(entries[0])
    assert entries[0]["after"]["selcom_api_key"] == "••••1a2b" and "selcom_api_key" not in entries[0]["before"]
    assert entries[0]["after"]["ai_provider"] == "openai"
    # The jwt secret is not something the settings can write.
    assert api.put("/api/admin/settings", json={"jwt_secret": "x" * 40}, token=admin).status == 422


def test_short_secrets_are_masked_entirely():
    from chapchap.admin.settings import mask
    assert mask("abcd1234") == "••••" and mask("abcdefghijkl") == "••••ijkl" and mask("") is None


def test_time_zone_and_currency_are_not_editable(api, admin):
    reply = api.put("/api/admin/settings", json={"business_time_zone": "Africa/Nairobi"}, token=admin)
    assert reply.status == 422 and reply.error["code"] == "READ_ONLY_SETTING"
    assert "deployment parameter" in reply.error["message"]
    assert api.put("/api/admin/settings", json={"currency": "USD"}, token=admin).status == 422
    same = api.put("/api/admin/settings", json={"business_time_zone": "Africa/Dar_es_Salaam", "currency": "TZS"},
                   token=admin)
    assert same.status == 200 and [e for e in audit_items() if e["entity"] == "settings"] == []
    for bad in ({"default_price": -5}, {"default_price": "6000"}, {"ai_provider": "skynet"},
                {"selcom_api_key": "  padded  "}):
        assert api.put("/api/admin/settings", json=bad, token=admin).status == 422


def test_a_price_change_applies_to_new_payments_only(api, admin, selcom_sim):
    from chapchap.data import payments as pay_data
    buyer = register(api, "buyer@example.com")
    token = buyer["access_token"]
    before_cv, after_cv = new_cv(api, token, "classic-zanzibar"), new_cv(api, token, "classic-zanzibar")
    before = initiate(api, token, before_cv["id"])
    assert before["amount"] == 5000
    reply = api.put("/api/admin/settings", json={"default_price": 6500}, token=admin)
    assert reply.status == 200 and reply.data["default_price"] == 6500
    after = initiate(api, token, after_cv["id"])
    assert after["amount"] == 6500
    for payment in (before, after):
        selcom_sim.pay(payment["reference"])
        webhook(api, payment["reference"])
    assert pay_data.get(before["reference"])["amount"] == 5000
    totals = counters.read([counters.total_key()])[counters.total_key()]
    assert totals["revenue"] == 5000 + 6500
    public = {t["id"]: t for t in api.get("/api/templates").data}
    assert public["classic-zanzibar"]["price"]["amount"] == 6500 and public["classic-navy"]["price"]["amount"] == 5000
    entry = next(e for e in audit_items() if e["entity"] == "settings")
    assert entry["before"] == {"default_price": 5000} and entry["after"] == {"default_price": 6500}


# ---------------------------------------------------------------- call counts
def _bulk(n: int) -> None:
    """n users, CVs and completed payments in the current month, written directly."""
    moment = clock.now()
    month = clock.business_month(moment)
    client = table.client()
    items = []
    for i in range(n):
        at_iso = clock.iso(moment - timedelta(seconds=i + 1))
        items.append({"pk": f"USER#bulk{i}", "sk": "PROFILE", "type": "user", "id": f"bulk{i}",
                      "gsi2pk": f"USERS#{month}", "gsi2sk": f"{at_iso}#bulk{i}", "created_at": at_iso})
        # On purpose the unsharded key of CVs written before the buckets were sharded (data/cvs.py),
        # as an older table holds them; tests/unit/test_cv_shards.py lists and counts such CVs.
        items.append({"pk": f"CV#bulk{i}", "sk": "CV", "type": "cv", "id": f"bulk{i}", "template_id": "classic-navy",
                      "gsi2pk": f"CVS#{month}", "gsi2sk": f"{at_iso}#bulk{i}", "created_at": at_iso})
        ref = f"CVBULK{i:05d}"
        items.append({"pk": f"PAYMENT#{ref}", "sk": "PAYMENT", "type": "payment", "id": ref, "reference": ref,
                      "cv_id": f"bulk{i}", "amount": 5000, "currency": "TZS", "method": "card", "status": "completed",
                      "created_at": at_iso, "completed_at": at_iso, "user_id": f"bulk{i}",
                      "gsi3pk": f"PAYMENTS#{month}", "gsi3sk": f"{at_iso}#{ref}"})
    for start in range(0, len(items), 25):
        client.batch_write_item(RequestItems={table.table_name(): [
            {"PutRequest": {"Item": table.serialize(item)}} for item in items[start:start + 25]]})


REQUESTS = [
    ("/api/admin/stats", ""),
    ("/api/admin/templates", ""),
    ("/api/admin/templates/stats", ""),
    ("/api/admin/payments", "limit=20&from={month_start}"),
    ("/api/admin/payments", "limit=20&status=completed&from={month_start}"),
    ("/api/admin/analytics", "period=daily"),
    ("/api/admin/analytics", "period=monthly"),
    ("/api/admin/settings", ""),
]


def _measure(api, admin, ddb_calls):
    from chapchap.admin import settings as settings_store
    month_start = today().replace(day=1).isoformat()
    counts = {}
    for path, query in REQUESTS:
        settings_store.reset_cache()  # the default price (templates) read cold both times
        with ddb_calls() as calls:
            reply = api.get(path, token=admin, query=query.format(month_start=month_start))
        assert reply.status == 200, reply.body
        assert "Scan" not in calls
        counts[f"{path}?{query}"] = dict(calls)
    return counts


def test_call_counts_do_not_grow_with_the_table(api, admin, ddb_calls):
    _bulk(10)
    small = _measure(api, admin, ddb_calls)
    _bulk(2000)
    large = _measure(api, admin, ddb_calls)
    assert small == large
    assert small["/api/admin/stats?"] == {"BatchGetItem": 2, "Query": 1}  # guard + counters, templates
    assert small["/api/admin/payments?limit=20&from={month_start}"] == {"BatchGetItem": 1, "Query": 1}
    print("\nDynamoDB calls per request (same with 10 and 2,000 items):")
    for request, calls in small.items():
        print(f"  {request:60} {calls}")


def test_rollup_never_scans(api, ddb_calls):
    register(api, "someone@example.com")
    from tests.support.apigw import invoke
    with ddb_calls() as calls:
        invoke("DailyRollupFunction", {"date": (today() - timedelta(days=1)).isoformat()})
    # BatchGetItem: the day's counter, whose funnel fields the record keeps (analytics/funnel.py)
    assert "Scan" not in calls and set(calls) <= {"Query", "PutItem", "BatchGetItem"}
