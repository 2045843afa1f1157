"""The CV month buckets of gsi2 and gsi3 are sharded (data/cvs.py: INDEX_SHARDS sub-buckets
and the legacy unsharded bucket), through the real handlers against moto.

Lists merge the shards: every CV once, in created_at order, across pages and months, for every
filter and sort; CVs written before the shards (legacy keys) are still listed and counted by
the rollup; a CV never leaves its shard; a page costs the same Queries with 5 and 60 CVs.
"""
from __future__ import annotations

import contextlib
import random
import uuid
from datetime import timedelta

import pytest

from chapchap import clock
from tests.support.contract import CheckedApi
from tests.unit.test_admin_people import ADMIN, login, register, utc, walk

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
def api():
    return CheckedApi()


@pytest.fixture
def admin(aws, api):
    from chapchap.auth.accounts import ensure_admin

    ensure_admin(ADMIN["email"], ADMIN["password"])
    data = login(api, ADMIN["email"], ADMIN["password"])
    return {"token": data["access_token"], "id": data["user"]["id"]}


@pytest.fixture
def frozen():
    """`with frozen(moment):` makes the code under test see that instant as now."""

    @contextlib.contextmanager
    def at(moment):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(clock, "now", lambda: moment)
            yield

    return at

ROWS = [  # (when, template, paid, legacy keys)
    (utc(2026, 1, 10, 8, 0), "modern-ocean", False, True),
    (utc(2026, 1, 20, 9, 0), "classic-navy", False, False),
    (utc(2026, 1, 31, 20, 30), "classic-navy", True, False),   # 31 Jan 23:30 in Dar
    (utc(2026, 1, 31, 20, 59), "modern-ocean", True, False),   # 31 Jan 23:59
    (utc(2026, 1, 31, 21, 0), "classic-navy", False, True),    # 1 Feb 00:00, legacy
    (utc(2026, 1, 31, 21, 30), "compact-ats", False, False),   # 1 Feb 00:30
    (utc(2026, 2, 1, 12, 0), "classic-navy", False, False),
    (utc(2026, 2, 3, 12, 0), "classic-navy", True, False),
    (utc(2026, 2, 5, 12, 0), "compact-ats", True, True),       # legacy and paid
    (utc(2026, 2, 14, 12, 0), "modern-ocean", False, False),
    (utc(2026, 2, 20, 7, 0), "classic-navy", False, False),
    (utc(2026, 2, 27, 7, 0), "modern-ocean", True, False),
    (utc(2026, 3, 2, 6, 0), "classic-navy", True, False),
    (utc(2026, 3, 3, 6, 0), "compact-ats", True, False),
]


def legacy_keys(cv):
    """The keys every CV had before the buckets were sharded."""
    month = clock.business_month(clock.parse_iso(cv["created_at"]))
    paid = "paid" if cv.get("is_paid") else "unpaid"
    return {"gsi2pk": f"CVS#{month}", "gsi3pk": f"CVTPL#{cv['template_id']}#{paid}#{month}"}


def stored(cv_id):
    from chapchap.data import cvs as cv_data
    return cv_data.get(cv_id, consistent=True)


@pytest.fixture
def seeded_ids(monkeypatch):
    """CV ids from a seeded generator, so the rows spread over every shard on every run."""
    rng = random.Random(16)
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=rng.getrandbits(128), version=4))


@pytest.fixture
def rows(api, admin, frozen, seeded_ids):
    from chapchap.data import cvs as cv_data
    from chapchap.data import table

    owner = register(api, email="owner@example.com")
    out = []
    for moment, template_id, paid, legacy in ROWS:
        with frozen(moment):
            reply = api.post("/api/cvs", json={"template_id": template_id, "content": {"basics": {"name": "A"}}},
                             token=owner["access_token"])
        assert reply.status == 201, reply.body
        cv_id = reply.data["cv"]["id"]
        if paid:  # an admin marks it paid: the real update path rewrites gsi3
            done = api.put(f"/api/admin/cvs/{cv_id}", json={"is_paid": True, "reason": "paid cash"},
                           token=admin["token"])
            assert done.status == 200, done.body
        if legacy:  # as written before this change
            keys = legacy_keys(stored(cv_id))
            table.update(*cv_data.cv_key(cv_id), "SET gsi2pk = :a, gsi3pk = :b", a=keys["gsi2pk"], b=keys["gsi3pk"])
        out.append({"id": cv_id, "at": moment, "template_id": template_id, "paid": paid, "legacy": legacy})
    shards = {cv_data.index_shard(r["id"]) for r in out if not r["legacy"]}
    assert shards == set(range(cv_data.INDEX_SHARDS))  # the seed spreads them over every shard
    return out


def expected(rows, first, last, template_id=None, paid=None, newest_first=True, by_template=False):
    kept = [r for r in rows if first <= clock.business_date(r["at"]).isoformat() <= last
            and template_id in (None, r["template_id"]) and paid in (None, r["paid"])]
    kept.sort(key=lambda r: r["at"], reverse=newest_first)
    if by_template:
        kept.sort(key=lambda r: r["template_id"])  # stable: time order kept within a template
    return [r["id"] for r in kept]


RANGE = dict(first="2026-01-01", last="2026-03-31")


@pytest.mark.parametrize("query, args", [
    ("", {}),
    ("&template_id=classic-navy", dict(template_id="classic-navy")),
    ("&template_id=compact-ats&is_paid=true", dict(template_id="compact-ats", paid=True)),
    ("&is_paid=true", dict(paid=True)),
    ("&is_paid=false", dict(paid=False)),
    ("&sort=template", dict(by_template=True)),
    ("&sort=template&is_paid=false", dict(by_template=True, paid=False)),
])
@pytest.mark.parametrize("order", ["desc", "asc"])
def test_every_cv_once_in_created_order_across_shards_pages_and_months(api, admin, rows, query, args, order):
    for limit in (5, 100):  # pages that end inside a shard's run and one page of all
        seen, pages = walk(api, "/api/admin/cvs", admin["token"],
                           f"from=2026-01-01&to=2026-03-31&order={order}{query}", limit=limit)
        want = expected(rows, newest_first=order == "desc", **RANGE, **args)
        assert want and [c["id"] for c in seen] == want, (limit, query)
        assert pages >= -(-len(want) // limit)
    # Month and business-day bounds hold across shards too: 31 Jan and 1 Feb (Dar es Salaam) only.
    seen, _ = walk(api, "/api/admin/cvs", admin["token"], f"from=2026-01-31&to=2026-02-01&order={order}{query}")
    assert [c["id"] for c in seen] == expected(rows, "2026-01-31", "2026-02-01", newest_first=order == "desc", **args)


def test_a_legacy_cv_is_listed_once_after_its_gsi3_moves_into_its_shard(api, admin, rows):
    from chapchap.data import cvs as cv_data

    legacy = next(r for r in rows if r["legacy"] and not r["paid"] and r["template_id"] == "classic-navy")
    before = stored(legacy["id"])
    reply = api.put(f"/api/admin/cvs/{legacy['id']}", json={"template_id": "compact-ats"}, token=admin["token"])
    assert reply.status == 200, reply.body
    after = stored(legacy["id"])
    shard, month = cv_data.index_shard(legacy["id"]), clock.business_month(legacy["at"])
    assert after["gsi3pk"] == f"CVTPL#compact-ats#unpaid#{shard}#{month}"
    assert after["gsi2pk"] == before["gsi2pk"] == f"CVS#{month}"  # gsi2 stays legacy until the backfill
    legacy["template_id"] = "compact-ats"
    for query, args in [("", {}), ("&template_id=compact-ats", dict(template_id="compact-ats")),
                        ("&template_id=classic-navy", dict(template_id="classic-navy")),
                        ("&sort=template", dict(by_template=True))]:
        seen, _ = walk(api, "/api/admin/cvs", admin["token"], f"from=2026-01-01&to=2026-03-31{query}", limit=3)
        assert [c["id"] for c in seen] == expected(rows, **RANGE, **args), query


def test_edits_template_changes_and_payments_keep_the_cvs_shard(api, admin, seeded_ids):
    from chapchap.data import cvs as cv_data
    from chapchap.data import payments as pay_data
    from chapchap.data import table
    from chapchap.payments import confirm

    owner = register(api, email="writer@example.com")
    token = owner["access_token"]
    cv = api.post("/api/cvs", json={"template_id": "classic-navy", "content": {"basics": {"name": "A"}}},
                  token=token).data["cv"]
    first = stored(cv["id"])
    shard, month = cv_data.index_shard(cv["id"]), clock.business_month(clock.parse_iso(cv["created_at"]))
    assert first["gsi2pk"] == f"CVS#{shard}#{month}"
    assert first["gsi3pk"] == f"CVTPL#classic-navy#unpaid#{shard}#{month}"
    # Autosaves: the keys (and so the partitions the edit writes) do not move.
    for n in range(3):
        reply = api.put(f"/api/cvs/{cv['id']}", json={"content": {"basics": {"name": f"A {n}"}}}, token=token)
        assert reply.status == 200, reply.body
        now = stored(cv["id"])
        assert (now["gsi2pk"], now["gsi2sk"], now["gsi3pk"], now["gsi3sk"]) == \
               (first["gsi2pk"], first["gsi2sk"], first["gsi3pk"], first["gsi3sk"])
    # The owner changes the template: another template's bucket, the same shard.
    assert api.put(f"/api/cvs/{cv['id']}", json={"template_id": "modern-ocean"}, token=token).status == 200
    moved = stored(cv["id"])
    assert moved["gsi3pk"] == f"CVTPL#modern-ocean#unpaid#{shard}#{month}" and moved["gsi2pk"] == first["gsi2pk"]
    # A payment completes (paid_up_op), moving it to the template paid for.
    shown = api.get(f"/api/admin/cvs/{cv['id']}", token=admin["token"]).data["cv"]
    payment = pay_data.new_payment(reference="CVSHARDPAY1", user=owner["user"], cv=shown, amount=5000,
                                   currency="TZS", method="card", phone="255712345678")
    table.transact([table.put_op(payment)])
    assert confirm.complete(payment, transaction_id="T1", channel="card", selcom_reference="S1", source="test")
    paid = stored(cv["id"])
    assert paid["is_paid"] is True
    assert paid["gsi3pk"] == f"CVTPL#{paid['template_id']}#paid#{shard}#{month}" and paid["gsi2pk"] == first["gsi2pk"]
    # An admin takes the payment back and moves the template: still the same shard.
    for change in ({"is_paid": False, "reason": "refunded"}, {"template_id": "compact-ats"}):
        reply = api.put(f"/api/admin/cvs/{cv['id']}", json=change, token=admin["token"])
        assert reply.status == 200, reply.body
    last = stored(cv["id"])
    assert last["gsi3pk"] == f"CVTPL#compact-ats#unpaid#{shard}#{month}" and last["gsi2pk"] == first["gsi2pk"]


def test_new_keys_never_meet_old_ones():
    from chapchap.data import cvs as cv_data

    old = {"CVS#2026-12", "CVTPL#classic-navy#paid#2026-12", "CVTPL#classic-navy#unpaid#2026-12"}
    new = {f"{p}#2026-12" for p in [*cv_data.bucket_prefixes()[1:], *cv_data.template_prefixes("classic-navy", True)[1:],
                                    *cv_data.template_prefixes("classic-navy", False)[1:]]}
    assert len(new) == 3 * cv_data.INDEX_SHARDS and not old & new
    assert cv_data.bucket_prefixes()[0] == "CVS" and cv_data.template_prefixes("x", False)[0] == "CVTPL#x#unpaid"
    assert {cv_data.index_shard(str(uuid.UUID(int=n))) for n in range(64)} == set(range(cv_data.INDEX_SHARDS))
    assert cv_data.index_shard("abc") == cv_data.index_shard("abc")


# ---------------------------------------------------------------- cost: the page, not the table
def _bulk(count, start):
    """`count` CVs of the current month, half of them with legacy keys, written directly."""
    from chapchap.data import cvs as cv_data
    from chapchap.data import table
    from chapchap.data.cvs import Owner

    names = ["classic-navy", "modern-ocean", "compact-ats", "modern-kilimanjaro", "classic-zanzibar"]
    moment = clock.now()
    items = []
    for n in range(start, start + count):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(clock, "now", lambda: moment - timedelta(seconds=n + 1))
            cv = cv_data.new_cv(owner=Owner("user", f"u{n}"), template_id=names[n % 5], title=f"CV {n}", content={})
        if n % 3 == 0:
            cv["is_paid"] = True
            cv.update(cv_data.template_index(cv))
        if n % 2:
            cv.update(legacy_keys(cv))
        items.append(cv)
    for at in range(0, len(items), 25):
        table.client().batch_write_item(RequestItems={table.table_name(): [
            {"PutRequest": {"Item": table.serialize(item)}} for item in items[at:at + 25]]})


def test_queries_per_page_do_not_grow_with_the_table(api, admin, ddb_calls):
    from chapchap.admin.cvs import MAX_QUERIES
    from chapchap.data import cvs as cv_data
    from chapchap.data import templates

    today = clock.business_date()
    month = f"from={today.replace(day=1).isoformat()}&to={today.isoformat()}"
    prefixes = len(cv_data.bucket_prefixes())  # 4 shards + legacy
    t = len(templates.all_ids())
    requests = {
        "": prefixes,
        "&template_id=classic-navy": 2 * prefixes,
        "&template_id=classic-navy&is_paid=true": prefixes,
        "&is_paid=false": 1 + t * prefixes,
        "&order=asc&is_paid=true": 1 + t * prefixes,
    }

    def measure():
        counts, reads = {}, {}
        for query, _ in requests.items():
            with ddb_calls() as calls:
                reply = api.get("/api/admin/cvs", token=admin["token"], query=f"limit=3&{month}{query}")
            assert reply.status == 200 and reply.data and "Scan" not in calls
            counts[query] = calls["Query"]
            reads[query] = {r["pk"] for r in calls.reads if r["index"] in ("gsi2", "gsi3")}
        # Every page of a walk, sort=template included, stays within the bound.
        for query in ("", "&sort=template"):
            cursor = None
            for _ in range(3):
                with ddb_calls() as calls:
                    reply = api.get("/api/admin/cvs", token=admin["token"],
                                    query=f"limit=3&{month}{query}" + (f"&cursor={cursor}" if cursor else ""))
                assert reply.status == 200 and 0 < calls["Query"] <= 1 + MAX_QUERIES  # +1: the template ids
                cursor = reply.body["meta"]["next_cursor"]
                if not cursor:
                    break
        return counts, reads

    _bulk(5, 0)
    small, small_reads = measure()
    _bulk(55, 5)  # 60 CVs
    large, large_reads = measure()
    assert small == large == requests
    assert small_reads == large_reads
    current = clock.business_month(clock.now())
    assert small_reads[""] == {f"{p}#{current}" for p in cv_data.bucket_prefixes()}


def test_the_rollup_counts_legacy_and_sharded_cvs(api, frozen, seeded_ids, ddb_calls):
    from chapchap.data import analytics as records
    from chapchap.data import cvs as cv_data
    from chapchap.data import table
    from tests.support.apigw import invoke

    day = utc(2026, 2, 10, 9, 0)
    owner = register(api, email="counted@example.com")
    made = []
    for n, template_id in enumerate(["classic-navy", "classic-navy", "modern-ocean", "compact-ats", "classic-navy",
                                     "modern-ocean", "classic-navy", "compact-ats"]):
        with frozen(day + timedelta(minutes=n)):
            reply = api.post("/api/cvs", json={"template_id": template_id, "content": {}}, token=owner["access_token"])
        assert reply.status == 201
        made.append(reply.data["cv"]["id"])
    for cv_id in made[:3]:  # written before the shards
        keys = legacy_keys(stored(cv_id))
        table.update(*cv_data.cv_key(cv_id), "SET gsi2pk = :a, gsi3pk = :b", a=keys["gsi2pk"], b=keys["gsi3pk"])
    with frozen(day - timedelta(days=1)):  # the day before: not counted
        api.post("/api/cvs", json={"template_id": "classic-navy", "content": {}}, token=owner["access_token"])
    with ddb_calls() as calls:
        invoke("DailyRollupFunction", {"date": "2026-02-10"})
    record = table.get(records.DAILY, "2026-02-10", consistent=True)
    assert record["cvs_created"] == 8
    assert record["template_usage"] == {"classic-navy": 4, "compact-ats": 2, "modern-ocean": 2}
    # One projection per prefix of the month: the 4 shards and the legacy bucket.
    assert sorted(r["pk"] for r in calls.reads if r["index"] == "gsi2" and r["pk"].startswith("CVS")) == \
           sorted(f"{p}#2026-02" for p in cv_data.bucket_prefixes())
    assert "Scan" not in calls
