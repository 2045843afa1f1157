"""The admin numbers are the truth: a random shop history, replayed through the real handlers,
against a ledger the test keeps on its own.

With a fixed seed, the test plays nine business days (the week before today and the last two
days of the month before that week's; each day's activity includes the hour around midnight in Dar es
Salaam, 20:30-21:30 UTC, where one business day ends and the next begins) by freezing `chapchap.clock.now` at each instant and calling the real handlers:
sign-ups (some carrying an anonymous visitor's CVs), sign-ins and token refreshes, CVs on
every template (anonymous and signed in), template changes and deletions, payments through
the Selcom simulator in every outcome (paid at once, paid with the webhook arriving later,
rejected, cancelled, never answered and later expired by reconciliation, paid with the wrong
amount, paid twice for one CV), PDF renders and downloads. Nothing writes a counter
directly: every number comes from the code under test.

The ledger records, per business day computed independently (Dar es Salaam is UTC+3 with no
daylight saving), new users, CVs per template, paid CVs, revenue, downloads and the distinct
users active, and each payment's final state. Then the rollup runs for every past day and
the dashboard must agree with the ledger to the shilling: stats, daily/weekly/monthly
analytics, template stats, the CSV report, and the live day counters.
"""
from __future__ import annotations

import csv
import heapq
import io
import itertools
import json
import os
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import boto3
import pytest

from chapchap import clock
from chapchap.templates.catalog import STARTER_TEMPLATES
from tests.support.apigw import invoke
from tests.support.contract import CheckedApi
from tests.support.shop import PASSWORD, admin_token, freeze, tokens_follow_the_frozen_clock

SEED = 20261122
WEEK = 7                    # the history: the week before today and two days before its month
OPERATIONS = int(os.environ.get("TRUTH_OPERATIONS", "210"))  # spontaneous ones (plus the sign-ins they need)
MIDNIGHT_SHARE = 0.3        # of them in the hour around midnight (Dar es Salaam)
DAR = timedelta(hours=3)    # the ledger's own idea of business time: UTC+3, no daylight saving
TEMPLATES = {t["id"]: t for t in STARTER_TEMPLATES}
DEFAULT_PRICE = 5000


def business_day(moment: datetime) -> date:
    return (moment + DAR).date()


def day_start_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc) - DAR


def price(template_id: str) -> int:
    own = TEMPLATES[template_id]["price"]
    return own if own is not None else DEFAULT_PRICE


# ---------------------------------------------------------------- the ledger
@dataclass
class Ledger:
    new_users: Counter = field(default_factory=Counter)
    cvs: dict = field(default_factory=lambda: defaultdict(Counter))         # day -> template -> n
    paid_cvs: Counter = field(default_factory=Counter)
    revenue: Counter = field(default_factory=Counter)
    downloads: Counter = field(default_factory=Counter)
    active: dict = field(default_factory=lambda: defaultdict(set))         # day -> user ids
    template_paid: Counter = field(default_factory=Counter)
    template_revenue: Counter = field(default_factory=Counter)
    template_downloads: Counter = field(default_factory=Counter)
    revenue_by_template_day: dict = field(default_factory=lambda: defaultdict(Counter))
    payments: dict = field(default_factory=dict)                            # reference -> facts

    def completed(self, reference: str, moment: datetime, *, flips: bool) -> None:
        p = self.payments[reference]
        day = business_day(moment)
        p.update(status="completed", completed_day=day, duplicate=not flips)
        self.revenue[day] += p["amount"]
        self.template_revenue[p["template"]] += p["amount"]
        self.revenue_by_template_day[day][p["template"]] += p["amount"]
        if flips:
            self.paid_cvs[day] += 1
            self.template_paid[p["template"]] += 1


@dataclass
class User:
    id: str
    email: str
    token: str
    refresh: str
    token_at: datetime


@dataclass
class Cv:
    id: str
    owner: str | None                 # user id, or None while anonymous
    anonymous_id: str | None
    template: str
    version: int = 1
    paid: bool = False
    paid_up_to: int = 0               # the price of the dearest template paid for
    deleted: bool = False
    open_payments: set = field(default_factory=set)


class Shop:
    """Plays operations at frozen instants through the API, and writes the ledger."""

    def __init__(self, api, selcom_sim, monkeypatch, rng: random.Random, real_now: datetime):
        self.api, self.sim, self.monkeypatch, self.rng = api, selcom_sim, monkeypatch, rng
        self.real_now = real_now
        self.ledger = Ledger()
        self.users: dict[str, User] = {}
        self.cvs: dict[str, Cv] = {}
        self.heap: list = []
        self.seq = itertools.count()
        self.now = real_now
        self.emails = itertools.count(1)
        self.waiting_webhook: dict[str, datetime] = {}  # paid at Selcom, our webhook not yet delivered
        self.rendered: set[tuple[str, int]] = set()
        self.near_midnight = 0  # operations played between 23:30 and 00:30 in Dar es Salaam

    # -------------------------------------------------------------- time
    def at(self, moment: datetime) -> None:
        self.now = moment
        freeze(self.monkeypatch, moment)
        local = (moment + DAR).time()
        if local.hour == 23 and local.minute >= 30 or local.hour == 0 and local.minute < 30:
            self.near_midnight += 1

    def schedule(self, moment: datetime, action: str, *args) -> None:
        if moment < self.real_now - timedelta(minutes=1):
            heapq.heappush(self.heap, (moment, next(self.seq), action, args))

    def run(self) -> None:
        while self.heap:
            moment, _, action, args = heapq.heappop(self.heap)
            self.at(moment)
            getattr(self, action)(*args)

    # -------------------------------------------------------------- people
    def active(self, user: User) -> None:
        self.ledger.active[business_day(self.now)].add(user.id)

    def register(self, anonymous_id: str | None = None) -> User:
        email = f"user{next(self.emails)}@example.com"
        body = {"full_name": "Juma Hamisi", "email": email, "password": PASSWORD, "phone_number": "0754321987"}
        if anonymous_id:
            body["anonymous_id"] = anonymous_id
        reply = self.api.post("/api/auth/register", json=body)
        assert reply.status == 201, reply.body
        user = User(reply.data["user"]["id"], email, reply.data["access_token"], reply.data["refresh_token"], self.now)
        self.users[user.id] = user
        self.ledger.new_users[business_day(self.now)] += 1
        self.active(user)
        if anonymous_id:
            for cv in self.cvs.values():
                if cv.anonymous_id == anonymous_id and not cv.deleted:
                    cv.owner, cv.anonymous_id = user.id, None
        return user

    def login(self, user: User) -> None:
        reply = self.api.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
        assert reply.status == 200, reply.body
        user.token, user.refresh, user.token_at = reply.data["access_token"], reply.data["refresh_token"], self.now
        self.active(user)

    def refresh(self, user: User) -> None:
        reply = self.api.post("/api/auth/refresh", json={"refresh_token": user.refresh})
        assert reply.status == 200, reply.body
        user.token, user.refresh, user.token_at = reply.data["access_token"], reply.data["refresh_token"], self.now
        self.active(user)

    def fresh(self, user: User) -> str:
        """The user's access token, signing in again (or refreshing) when it is older than
        fourteen minutes: access tokens live fifteen."""
        if self.now - user.token_at > timedelta(minutes=14):
            recent = self.now - user.token_at < timedelta(days=20)  # refresh tokens live 30 days
            # Drawn whether or not the token is recent: the gap between the history's days
            # depends on today's date, and the seeded history must not.
            refresh = self.rng.random() < 0.3
            (self.refresh if recent and refresh else self.login)(user)
        return user.token

    # -------------------------------------------------------------- CVs
    def create_cv(self, user: User | None, anonymous_id: str | None = None) -> Cv:
        template = self.rng.choice(list(TEMPLATES))
        headers = {"x-anonymous-id": anonymous_id} if anonymous_id else None
        reply = self.api.post("/api/cvs", json={"template_id": template, "content": {"basics": {"name": "Juma"}}},
                              token=self.fresh(user) if user else None, headers=headers)
        assert reply.status == 201, reply.body
        cv = Cv(reply.data["cv"]["id"], user.id if user else None,
                anonymous_id or reply.data.get("anonymous_id"), template)
        self.cvs[cv.id] = cv
        self.ledger.cvs[business_day(self.now)][template] += 1
        return cv

    def change_template(self, cv: Cv) -> None:
        template = self.rng.choice([t for t in TEMPLATES if t != cv.template])
        reply = self.api.put(f"/api/cvs/{cv.id}", json={"template_id": template},
                             token=self.fresh(self.users[cv.owner]))
        if cv.paid and price(template) > cv.paid_up_to:
            # A paid CV moves only to templates it is paid for: a dearer one is a 402, no change.
            assert reply.status == 402 and reply.error["details"][0]["difference"] == (
                price(template) - cv.paid_up_to), reply.body
            return
        assert reply.status == 200, reply.body
        cv.template, cv.version = template, cv.version + 1

    def delete_cv(self, cv: Cv) -> None:
        assert self.api.delete(f"/api/cvs/{cv.id}", token=self.fresh(self.users[cv.owner])).status == 204
        cv.deleted = True

    # -------------------------------------------------------------- payments
    def initiate(self, cv: Cv, phone: str | None = None) -> str:
        body = {"cv_id": cv.id, "method": "card"}
        if phone:
            body["phone_number"] = phone
        reply = self.api.post("/api/payments/initiate", json=body, token=self.fresh(self.users[cv.owner]))
        assert reply.status == 201, reply.body
        payment = reply.data["payment"]
        assert payment["amount"] == price(cv.template)  # the server's price, from the template
        reference = payment["reference"]
        self.ledger.payments[reference] = {"amount": price(cv.template), "template": cv.template, "cv": cv.id,
                                           "status": "pending", "created": self.now,
                                           "created_day": business_day(self.now), "completed_day": None,
                                           "flagged": False, "duplicate": False}
        cv.open_payments.add(reference)
        return reference

    def webhook(self, reference: str, status: str = "COMPLETED") -> None:
        reply = self.api.post("/api/payments/callback", json={"order_id": reference, "payment_status": status})
        assert reply.status == 200

    def settle_paid(self, reference: str) -> None:
        """Our webhook arrives for an order paid at Selcom: completed now, once."""
        self.waiting_webhook.pop(reference, None)
        facts = self.ledger.payments[reference]
        if facts["status"] != "pending":
            return  # reconciliation completed it first; the late webhook changes nothing
        self.webhook(reference)
        self._completed(reference)

    def _completed(self, reference: str) -> None:
        facts = self.ledger.payments[reference]
        cv = self.cvs[facts["cv"]]
        flips = not cv.paid
        if facts["amount"] > cv.paid_up_to:
            # Completed for the template it was priced for, whatever the CV uses now.
            cv.paid_up_to = facts["amount"]
            if cv.template != facts["template"]:
                cv.template, cv.version = facts["template"], cv.version + 1
        cv.paid = True
        cv.open_payments.discard(reference)
        self.ledger.completed(reference, self.now, flips=flips)

    def pay(self, cv: Cv, outcome: str | None = None) -> None:
        outcome = outcome or self.rng.choices(["now", "later", "rejected", "cancelled", "pending", "mismatch", "twice"],
                                              weights=[50, 12, 8, 7, 8, 5, 5])[0]
        if outcome == "rejected":
            reference = self.initiate(cv, phone="0754320001")
            self.sim.pay(reference)
            self.webhook(reference, "REJECTED")
            self.ledger.payments[reference]["status"] = "failed"
            cv.open_payments.discard(reference)
        elif outcome == "cancelled":
            reference = self.initiate(cv)
            self.sim.cancel(reference)
            self.webhook(reference, "CANCELLED")
            self.ledger.payments[reference]["status"] = "cancelled"
            cv.open_payments.discard(reference)
        elif outcome == "pending":
            self.initiate(cv)  # never paid: reconciliation expires it after a day
        elif outcome == "mismatch":
            reference = self.initiate(cv, phone="0754320003")
            self.sim.pay(reference)
            self.webhook(reference)  # Selcom says 500 more than asked: flagged, never paid
            self.ledger.payments[reference]["flagged"] = True
        elif outcome == "twice":
            first, second = self.initiate(cv), self.initiate(cv)
            for reference in (first, second):
                self.sim.pay(reference)
                self.settle_paid(reference)
        else:
            reference = self.initiate(cv)
            self.sim.pay(reference)
            if outcome == "now":
                self.settle_paid(reference)
            else:  # the webhook comes later, sometimes on the other side of midnight
                self.waiting_webhook[reference] = self.now
                minutes = 20 if outcome == "across_midnight" else self.rng.randint(3, 50)
                delay = timedelta(minutes=minutes)
                self.schedule(self.now + delay, "settle_paid", reference)

    def pay_with(self, outcome: str) -> None:
        """A payment with a given outcome (the plan makes sure each one happens)."""
        users = list(self.users.values()) or [self.register()]
        candidates = [cv for cv in self.cvs.values() if cv.owner and not cv.deleted and not cv.paid
                      and not cv.open_payments]
        cv = self.rng.choice(candidates) if candidates else self.create_cv(self.rng.choice(users))
        self.pay(cv, outcome)

    def reconcile(self) -> None:
        """The five-minute job: pending payments paid at Selcom complete, those older than a
        day expire (our model of it, applied to the ledger alongside the real run)."""
        summary = invoke("ReconcilePaymentsFunction", {})
        assert summary["errors"] == 0
        for reference, facts in sorted(self.ledger.payments.items(), key=lambda kv: kv[1]["created"]):
            if facts["status"] != "pending" or facts["created"] > self.now - timedelta(minutes=2):
                continue
            if reference in self.waiting_webhook:
                self.waiting_webhook.pop(reference)
                self._completed(reference)
            elif facts["created"] < self.now - timedelta(hours=24):
                facts["status"] = "expired"
                self.cvs[facts["cv"]].open_payments.discard(reference)

    # -------------------------------------------------------------- downloads
    def download(self, cv: Cv) -> None:
        token = self.fresh(self.users[cv.owner])
        if (cv.id, cv.version) not in self.rendered:
            record = {"messageId": uuid.uuid4().hex, "receiptHandle": "h",
                      "body": json.dumps({"cv_id": cv.id, "version": cv.version}),
                      "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
                      "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:af-south-1:123456789012:q",
                      "awsRegion": "af-south-1"}
            assert invoke("PdfFunction", {"Records": [record]}) == {"batchItemFailures": []}
            self.rendered.add((cv.id, cv.version))
        reply = self.api.get(f"/api/payments/download/{cv.id}", token=token)
        assert reply.status == 200, reply.body
        day = business_day(self.now)
        self.ledger.downloads[day] += 1
        self.ledger.template_downloads[cv.template] += 1

    # -------------------------------------------------------------- one spontaneous operation
    def operate(self) -> None:
        users = list(self.users.values())
        live = [cv for cv in self.cvs.values() if not cv.deleted and cv.owner]
        unpaid = [cv for cv in live if not cv.paid and not cv.open_payments]
        paid = [cv for cv in live if cv.paid]
        anonymous = [cv.anonymous_id for cv in self.cvs.values() if cv.anonymous_id and not cv.deleted]
        choice = self.rng.choices(
            ["register", "register_claiming", "sign_in", "cv", "anonymous_cv", "change", "delete", "pay", "download"],
            weights=[80, 4 if anonymous else 0, 12 if users else 0, 20 if users else 0, 12,
                     3 if live else 0, 2 if unpaid else 0, 15 if unpaid else 0, 5 if paid else 0])[0]
        if choice == "register":
            self.register()
        elif choice == "register_claiming":
            self.register(anonymous_id=self.rng.choice(anonymous))
        elif choice == "sign_in":
            user = self.rng.choice(users)
            (self.refresh if self.rng.random() < 0.25 and self.now - user.token_at < timedelta(days=20)
             else self.login)(user)
        elif choice == "cv":
            self.create_cv(self.rng.choice(users))
        elif choice == "anonymous_cv":
            reuse = anonymous and self.rng.random() < 0.3
            self.create_cv(None, anonymous_id=self.rng.choice(anonymous) if reuse else None)
        elif choice == "change":
            self.change_template(self.rng.choice(live))
        elif choice == "delete":
            self.delete_cv(self.rng.choice(unpaid))
        elif choice == "pay":
            self.pay(self.rng.choice(unpaid))
        else:
            self.download(self.rng.choice(paid))


def plan(shop: Shop, days: list[date]) -> None:
    """Spontaneous operations: daytime ones, and a share in the hour around each midnight
    (23:30-00:30 in Dar es Salaam, 20:30-21:30 UTC). Each payment outcome at least once, a
    payment paid at 23:50 whose webhook arrives at 00:10 every day, one reconciliation run on
    the last day (it expires the first day's unanswered order and finishes late webhooks)."""
    rng = shop.rng
    for n, outcome in enumerate(("pending", "rejected", "cancelled", "mismatch", "twice", "now")):
        shop.schedule(day_start_utc(days[0]) + timedelta(hours=9, minutes=n), "pay_with", outcome)
    shop.schedule(day_start_utc(days[-1]) + timedelta(hours=16), "pay_with", "pending")
    for day in days:
        start = day_start_utc(day)
        shop.schedule(start + timedelta(days=1, minutes=-10), "pay_with", "across_midnight")
        for _ in range(OPERATIONS // len(days)):
            if rng.random() < MIDNIGHT_SHARE:
                moment = start + timedelta(days=1) + timedelta(seconds=rng.randint(-1800, 1799))
            else:
                moment = start + timedelta(hours=7) + timedelta(seconds=rng.randint(0, 15 * 3600))
            shop.schedule(moment.replace(microsecond=rng.randint(0, 999) * 1000), "operate")
    shop.schedule(day_start_utc(days[-1]) + timedelta(hours=14, seconds=7), "reconcile")


# ---------------------------------------------------------------- the test
def history_days(today: date) -> list[date]:
    """The week before today, and the last two days of the month before the one that week
    begins in: months (and ISO weeks) are crossed, and the history ends yesterday (plus the
    first half hour of today). Always nine distinct days, in the same order, whatever today's
    date: the seeded shop then plays the same operations on every date. (Taking the last two
    days of today's previous month made them part of the week in a month's first week, and
    a shorter history of other operations.)"""
    week = [today - timedelta(days=n) for n in range(1, WEEK + 1)]
    month = week[-1].replace(day=1)
    return sorted(set(week) | {month - timedelta(days=2), month - timedelta(days=1)})


def expected_rows(ledger: Ledger, first: date, last: date):
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        yield day, {"cvs_created": sum(ledger.cvs[day].values()), "paid_cvs": ledger.paid_cvs[day],
                    "revenue": ledger.revenue[day], "new_users": ledger.new_users[day],
                    "active_users": len(ledger.active[day]), "downloads": ledger.downloads[day],
                    "template_usage": dict(sorted((+ledger.cvs[day]).items())),
                    "template_revenue": dict(sorted((+ledger.revenue_by_template_day[day]).items()))}


@pytest.fixture
def api():
    """Every reply must be one openapi.json documents, with a body its schema accepts."""
    return CheckedApi()


def test_the_dashboard_equals_an_independent_ledger(api, selcom_sim, monkeypatch, catalog):
    real_now = datetime.now(timezone.utc)
    today = business_day(real_now)
    assert today == clock.business_date(real_now)
    rng = random.Random(SEED)
    tokens_follow_the_frozen_clock(monkeypatch)
    shop = Shop(api, selcom_sim, monkeypatch, rng, real_now)
    days = history_days(today)
    plan(shop, days)
    shop.run()
    # The dashboard is read at the instant the test began, so "today" cannot change under it.
    shop.at(real_now)

    ledger = shop.ledger
    kinds = Counter(p["status"] for p in ledger.payments.values())
    # A history rich enough to mean something: the seeded shop plays the same one on every date
    # (103 users, 57 CVs, 37 payments, 79 operations near midnight for 210 operations), and a
    # smaller TRUTH_OPERATIONS (the moved-clock runs) asks for proportionally less.
    share = OPERATIONS / 210
    assert len(shop.users) >= 100 * share and sum(sum(c.values()) for c in ledger.cvs.values()) >= 50 * share
    assert len(ledger.payments) >= 30 * share
    assert all(kinds[s] for s in ("completed", "failed", "cancelled", "expired", "pending")), kinds
    assert any(p["duplicate"] for p in ledger.payments.values()) and any(p["flagged"] for p in ledger.payments.values())
    assert any(p["completed_day"] and p["completed_day"] != p["created_day"] for p in ledger.payments.values())
    assert shop.near_midnight >= 50 * share

    # The rollup of every past day with history, as the schedule runs it each night. Days of
    # the range without history stay without a record: analytics must say so.
    # (A history day's last half hour runs into the next day, so that one has history too.)
    first = days[0]
    with_history = sorted(set(days) | {d + timedelta(days=1) for d in days if d + timedelta(days=1) < today})
    for block in _runs(with_history):  # consecutive days in one backfill event (weeks and months once)
        rolled = invoke("DailyRollupFunction", {"from": block[0].isoformat(), "to": block[-1].isoformat()})
        assert [d["date"] for d in rolled["days"]] == [d.isoformat() for d in block]
    gap = [d for d in _days(first, today - timedelta(days=1)) if d not in with_history]
    assert not any(ledger.active[d] or ledger.cvs[d] or ledger.revenue[d] for d in gap)
    token = admin_token(api, "truth@example.com")  # a sign-in today: the admin is active today
    ledger.active[today].add(_user_id("truth@example.com"))

    # -------------------------------------------------------------- stats
    stats = api.get("/api/admin/stats", token=token).data
    all_cvs = Counter()
    for per_template in ledger.cvs.values():
        all_cvs.update(per_template)
    assert stats["total_users"] == sum(ledger.new_users.values()) == len(shop.users)
    assert stats["total_cvs"] == sum(all_cvs.values())
    assert stats["total_revenue"] == sum(ledger.revenue.values())
    assert stats["paid_cvs"] == sum(ledger.paid_cvs.values())
    assert stats["cvs_today"] == sum(ledger.cvs[today].values())
    assert stats["revenue_today"] == ledger.revenue[today]
    assert stats["active_users_today"] == len(ledger.active[today])
    assert stats["total_downloads"] == sum(ledger.downloads.values())
    expected_popular = sorted(({"template_id": t, "cvs": all_cvs[t], "revenue": ledger.template_revenue[t]}
                               for t in TEMPLATES), key=lambda r: (-r["cvs"], -r["revenue"], TEMPLATES[r["template_id"]]["name"]))
    assert [{k: r[k] for k in ("template_id", "cvs", "revenue")} for r in stats["popular_templates"]] == expected_popular

    # -------------------------------------------------------------- analytics, daily
    daily = api.get("/api/admin/analytics", token=token, query=f"period=daily&from={first}&to={today}")
    assert daily.status == 200, daily.body
    rows = {r["period_start"]: r for r in daily.data}
    assert daily.body["meta"]["missing_days"] == [d.isoformat() for d in gap]
    for day, want in expected_rows(ledger, first, today):
        got = {k: rows[day.isoformat()][k] for k in want}
        assert got == want, f"{day}: {got} != {want}"
        assert rows[day.isoformat()]["source"] == ("live" if day == today else "missing" if day in gap else "rollup")

    # -------------------------------------------------------------- weekly and monthly
    for period, start_of, end_of in (("weekly", _week_start, lambda d: _week_start(d) + timedelta(days=6)),
                                     ("monthly", lambda d: d.replace(day=1), _month_end)):
        reply = api.get("/api/admin/analytics", token=token, query=f"period={period}&from={first}&to={today}")
        assert reply.status == 200, reply.body
        for row in reply.data:
            start, end = date.fromisoformat(row["period_start"]), date.fromisoformat(row["period_end"])
            assert start == start_of(start) and end == end_of(start)
            covered = _days(start, min(end, today))
            want = {"cvs_created": sum(sum(ledger.cvs[d].values()) for d in covered),
                    "paid_cvs": sum(ledger.paid_cvs[d] for d in covered),
                    "revenue": sum(ledger.revenue[d] for d in covered),
                    "new_users": sum(ledger.new_users[d] for d in covered),
                    "downloads": sum(ledger.downloads[d] for d in covered),
                    "active_user_days": sum(len(ledger.active[d]) for d in covered)}
            usage = Counter()
            for d in covered:
                usage.update(ledger.cvs[d])
            want["template_usage"] = dict(sorted((+usage).items()))
            finished = [d for d in covered if d < today]
            if not finished:  # the period began today: today's live count
                want["active_users"] = len(ledger.active[today])
            elif any(d in with_history for d in covered):  # a rollup ran for a day of it: distinct over its finished days
                want["active_users"] = len(set().union(*(ledger.active[d] for d in finished)))
            else:  # nothing rolled up in it: no number rather than a guess
                want["active_users"] = None
            got = {k: row[k] for k in want}
            assert got == want, f"{period} {start}: {got} != {want}"
        assert sum(r["revenue"] for r in reply.data) == sum(ledger.revenue.values())

    # -------------------------------------------------------------- templates
    usage = api.get("/api/admin/templates/stats", token=token).data
    assert usage["totals"] == {"cvs": sum(all_cvs.values()), "paid_cvs": sum(ledger.paid_cvs.values()),
                               "revenue": sum(ledger.revenue.values()), "downloads": sum(ledger.downloads.values()),
                               "refunds": 0, "net_revenue": sum(ledger.revenue.values())}  # the shop refunds nothing
    for row in usage["templates"]:
        t = row["template_id"]
        assert (row["cvs"], row["paid_cvs"], row["revenue"], row["downloads"]) == (
            all_cvs[t], ledger.template_paid[t], ledger.template_revenue[t], ledger.template_downloads[t]), t
    assert usage["deleted_templates"] is None

    # -------------------------------------------------------------- the CSV report
    report = api.get("/api/admin/reports/payments", token=token, query=f"from={first}&to={today}&format=csv")
    assert report.status == 200, report.body
    text = _report_text(report.data["url"])
    table_rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    got = {r["reference"]: (r["status"], int(r["amount"]), r["created_business_date"], r["completed_business_date"],
                            r["flagged"] == "true", r["duplicate_payment"] == "true") for r in table_rows}
    want = {ref: (p["status"], p["amount"], p["created_day"].isoformat(),
                  p["completed_day"].isoformat() if p["completed_day"] else "", p["flagged"], p["duplicate"])
            for ref, p in ledger.payments.items()}
    assert got == want
    assert sum(int(r["amount"]) for r in table_rows if r["status"] == "completed") == sum(ledger.revenue.values())

    # -------------------------------------------------------------- the live day counters agree too
    from chapchap.data import counters
    for day in days:
        live = counters.read([counters.day_key(day)]).get(counters.day_key(day), {})
        assert (live.get("users", 0), live.get("cvs", 0), live.get("paid_cvs", 0), live.get("revenue", 0),
                live.get("downloads", 0), live.get("active_users", 0)) == (
            ledger.new_users[day], sum(ledger.cvs[day].values()), ledger.paid_cvs[day], ledger.revenue[day],
            ledger.downloads[day], len(ledger.active[day])), day


def _user_id(email: str) -> str:
    from chapchap.data import table
    return table.get(f"EMAIL#{email}", "EMAIL")["user_id"]


def _runs(sorted_days: list[date]) -> list[list[date]]:
    runs: list[list[date]] = []
    for day in sorted_days:
        if runs and runs[-1][-1] + timedelta(days=1) == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _month_end(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _report_text(url: str) -> str:
    from urllib.parse import unquote, urlparse
    bucket = os.environ["BUCKET_NAME"]
    key = unquote(urlparse(url).path.lstrip("/"))
    key = key[len(bucket) + 1:] if key.startswith(bucket + "/") else key
    return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")


def test_the_history_has_the_same_shape_on_every_date():
    """Nine distinct days ending yesterday, crossing a month, in the same pattern (the week,
    then two days before it), for every day of four years: the seeded shop plays one history."""
    for n in range(4 * 366):
        today = date(2026, 1, 1) + timedelta(days=n)
        days = history_days(today)
        week, before = days[2:], days[:2]
        assert week == [today - timedelta(days=k) for k in range(WEEK, 0, -1)], today
        assert before[1] - before[0] == timedelta(days=1) and before[1] < week[0], today
        assert before[1].month != (before[1] + timedelta(days=1)).month, today  # a month's last day
