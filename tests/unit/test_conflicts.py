"""Write scale: the conflict emulator (local/conflicts.py) answers as DynamoDB does, and with
it on, concurrent writers through the real handlers meet no error and leave exact counters
(sharded counters + retries), where one counter item without retries fails requests."""
from __future__ import annotations

import threading
import time
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from chapchap import clock
from chapchap.data import counters, table
from local import conflicts
from tests.support.conflicts import conflicting_moto
from tests.support.shop import PASSWORD, initiate, webhook
from tests.support.world import REGION


def _update(key: str) -> dict:
    return {"Update": {"TableName": table.table_name(), "Key": table.key(key, "X"),
                       "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}


def _held(key: str) -> bool:
    return any(k[1] == f'{{"S": "{key}"}}' for k in list(conflicts._held))


def _while_holding(key: str, write) -> threading.Thread:
    """Start `write` in a thread and return once the emulator holds `key` for it."""
    worker = threading.Thread(target=write)
    worker.start()
    while not _held(key):
        time.sleep(0.001)
    return worker


def test_emulator_answers_as_dynamodb(aws):
    ddb = boto3.client("dynamodb", region_name=REGION)
    conflicts.enable(1.0)
    try:
        worker = _while_holding("A", lambda: ddb.transact_write_items(TransactItems=[_update("A")]))
        with pytest.raises(ClientError) as cancelled:
            ddb.transact_write_items(TransactItems=[_update("B"), _update("A")])
        error = cancelled.value.response
        assert error["Error"]["Code"] == "TransactionCanceledException"
        assert [r["Code"] for r in error["CancellationReasons"]] == ["None", "TransactionConflict"]
        with pytest.raises(ClientError) as refused:
            ddb.update_item(**_update("A")["Update"])
        assert refused.value.response["Error"]["Code"] == "TransactionConflictException"
        ddb.update_item(**_update("C")["Update"])  # another item: no conflict
        worker.join()
        # A plain write holds its item against transactions, not against another plain write.
        worker = _while_holding("D", lambda: ddb.update_item(**_update("D")["Update"]))
        with pytest.raises(ClientError) as cancelled:
            ddb.transact_write_items(TransactItems=[_update("D")])
        assert cancelled.value.response["CancellationReasons"][0]["Code"] == "TransactionConflict"
        ddb.update_item(**_update("D")["Update"])
        worker.join()
        ddb.transact_write_items(TransactItems=[_update("A"), _update("B")])  # the holds are over
    finally:
        conflicts.disable()
    got = {k: table.get(k, "X")["n"] for k in "ABCD"}
    assert got == {"A": 2, "B": 1, "C": 1, "D": 2}  # refused and cancelled writes changed nothing
    assert conflicts.STATS.snapshot()["cancelled"] >= 2


def test_emulator_is_off_by_default(aws):
    ddb = boto3.client("dynamodb", region_name=REGION)
    assert not conflicts.enabled()
    ddb.transact_write_items(TransactItems=[_update("A")])
    assert not conflicts._held


def test_parse_hold():
    assert conflicts.parse("20ms") == 0.02 and conflicts.parse("0.5s") == 0.5 and conflicts.parse("0.1") == 0.1
    assert conflicts.parse("off") is None and conflicts.parse("") is None and conflicts.parse(None) is None
    with pytest.raises(ValueError):
        conflicts.parse("fast")


# ---------------------------------------------------------------- writers racing
WRITERS = 50


def _writer(api, selcom_sim, n: int, outcome: dict, lock: threading.Lock) -> None:
    """A visitor: create a CV, sign up, pay, download twice. Records each reply's status."""
    def record(reply, route=""):
        with lock:
            outcome.setdefault(reply.status, 0)
            outcome[reply.status] += 1
        return reply

    anonymous = {"x-anonymous-id": str(uuid.uuid4())}
    reply = record(api.post("/api/cvs", json={"template_id": "classic-navy" if n % 2 else "modern-ocean",
                                              "content": {"basics": {"name": f"Writer {n}"}}}, headers=anonymous), "create")
    if reply.status != 201:
        return
    cv_id = reply.data["cv"]["id"]
    reply = record(api.post("/api/auth/register", json={
        "full_name": f"Writer {n}", "email": f"w{n}-{uuid.uuid4().hex[:6]}@example.com", "password": PASSWORD,
        "phone_number": f"0754{n:05d}9", "anonymous_id": anonymous["x-anonymous-id"]}), "register")
    if reply.status != 201:
        return
    token = reply.data["access_token"]
    try:
        payment = initiate(api, token, cv_id)
        selcom_sim.pay(payment["reference"])
        webhook(api, payment["reference"])
    except AssertionError:
        record(type("R", (), {"status": 599})())
        return
    # The PDF as the worker leaves it (rendering is not what this test is about).
    cv = table.get(f"CV#{cv_id}", "CV", consistent=True) if table.get(f"CV#{cv_id}", "CV") else None
    if cv is not None:
        table.update(cv["pk"], cv["sk"], "SET pdf_status = :r, pdf_version = :v, pdf_key = :k",
                     r="ready", v=cv["content_version"], k=f"pdfs/{cv_id}.pdf")
    for _ in range(2):
        record(api.get(f"/api/payments/download/{cv_id}", token=token), "download")


def _race(api, monkeypatch, selcom_sim, *, shards: int, attempts: int, hold: float = 0.03) -> tuple[dict, dict]:
    monkeypatch.setenv("COUNTER_SHARDS", str(shards))
    monkeypatch.setattr(table, "CONFLICT_ATTEMPTS", attempts)
    outcome: dict[int, int] = {}
    lock = threading.Lock()
    with conflicting_moto(hold):
        threads = [threading.Thread(target=_writer, args=(api, selcom_sim, n, outcome, lock)) for n in range(WRITERS)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        stats = conflicts.STATS.snapshot()
    print("conflicts", stats, conflicts.STATS.hottest())
    return outcome, stats


def _truth() -> dict:
    """What the items say (the rollup's own computation, from the day's items) against the
    live counters (total and today's, their shards added up)."""
    from chapchap.analytics.rollup import compute_day

    day = clock.business_date()
    items = compute_day(day)
    return {"items": {k: items[k] for k in ("new_users", "cvs_created", "paid_cvs", "revenue", "downloads")},
            "total": {k: counters.total().get(f, 0) for k, f in _FIELDS.items()},
            "today": {k: counters.day(day).get(f, 0) for k, f in _FIELDS.items()}}


_FIELDS = {"new_users": "users", "cvs_created": "cvs", "paid_cvs": "paid_cvs", "revenue": "revenue",
           "downloads": "downloads"}


@pytest.mark.usefixtures("catalog")
def test_one_counter_item_without_retries_fails_requests(api, monkeypatch, selcom_sim):
    """The old shape (one item per counter, no retry): the emulator's conflicts reach users."""
    outcome, stats = _race(api, monkeypatch, selcom_sim, shards=1, attempts=1)
    assert stats["cancelled"] > 0
    assert outcome.get(503, 0) > 0, outcome


@pytest.mark.usefixtures("catalog")
def test_concurrent_writers_see_no_error_and_counters_are_exact(api, monkeypatch, selcom_sim):
    outcome, stats = _race(api, monkeypatch, selcom_sim, shards=counters.DEFAULT_SHARDS, attempts=table.CONFLICT_ATTEMPTS)
    assert set(outcome) <= {200, 201}, outcome
    assert outcome[201] == 2 * WRITERS and outcome[200] == 2 * WRITERS
    assert stats["transactions"] > 5 * WRITERS  # really raced through the emulator
    truth = _truth()
    assert truth["items"] == truth["total"] == truth["today"]
    assert truth["items"]["cvs_created"] == WRITERS and truth["items"]["downloads"] == 2 * WRITERS
    assert truth["items"]["paid_cvs"] == WRITERS and truth["items"]["new_users"] == WRITERS


# ---------------------------------------------------------------- reads at constant cost
def _reads(api, admin, ddb_calls) -> dict[str, dict]:
    from chapchap.admin import settings as settings_store

    counts = {}
    for path in ("/api/admin/stats", "/api/admin/analytics", "/api/admin/templates", "/api/admin/templates/stats"):
        settings_store.reset_cache()  # the default price (templates) read cold both times
        with ddb_calls() as calls:
            reply = api.get(path, token=admin)
        assert reply.status == 200, reply.body
        counts[path] = dict(calls)
    return counts


@pytest.mark.parametrize("shards", [1, 8])
def test_readers_add_the_shards_up_at_constant_cost(api, catalog, monkeypatch, ddb_calls, shards):
    """Stats, templates and the analytics' live days read every shard: a number of calls set
    by N and the number of templates, the same after 5 or 60 counted writes."""
    from tests.support.shop import admin_token

    monkeypatch.setenv("COUNTER_SHARDS", str(shards))
    admin = admin_token(api)
    owner = {"x-anonymous-id": str(uuid.uuid4())}

    def create(n: int) -> None:
        for i in range(n):
            assert api.post("/api/cvs", json={"template_id": "classic-navy" if i % 3 else "modern-ocean",
                                              "content": {}}, headers=owner).status == 201

    create(5)
    few = _reads(api, admin, ddb_calls)
    create(55)
    many = _reads(api, admin, ddb_calls)
    assert few == many
    templates = len(catalog)
    guard = 1  # the admin's session and account: one BatchGetItem
    stats_keys = (2 + templates) * shards
    assert many["/api/admin/stats"] == {"BatchGetItem": guard + -(-stats_keys // 100), "Query": 1}
    assert many["/api/admin/templates/stats"]["BatchGetItem"] == guard + -(-(1 + templates) * shards // 100)
    # Today's and yesterday's live counters: one Query per shard each, beside the records' Query.
    assert many["/api/admin/analytics"]["Query"] == 1 + 2 * shards
    # The shards really hold the writes (more than one used), and they add up.
    used = [k for k in counters.shard_keys(counters.total_key()) if table.get(*k)]
    assert len(used) == 1 if shards == 1 else len(used) > 1
    assert counters.total()["cvs"] == 60 and counters.template("modern-ocean")["live_cvs"] == 2 + 19


def test_template_delete_sees_a_cv_created_after_its_read(api, catalog, monkeypatch):
    """`live_cvs` is a sum over shards: the delete checks each shard unchanged, so a CV that
    lands between its read and its transaction makes it fail and read again (refused)."""
    from tests.support.shop import admin_token

    admin = admin_token(api)
    owner = {"x-anonymous-id": str(uuid.uuid4())}
    made = api.post("/api/cvs", json={"template_id": "modern-ocean", "content": {}}, headers=owner).data["cv"]
    assert api.delete(f"/api/cvs/{made['id']}", headers=owner).status == 204  # live_cvs back to 0
    real = counters.unchanged_ops

    def a_cv_lands_meanwhile(template_id, found):
        ops = real(template_id, found)
        assert api.post("/api/cvs", json={"template_id": template_id, "content": {}}, headers=owner).status == 201
        return ops

    monkeypatch.setattr(counters, "unchanged_ops", a_cv_lands_meanwhile)
    refused = api.delete("/api/admin/templates/modern-ocean", token=admin)
    assert refused.status == 409 and refused.error["code"] == "TEMPLATE_IN_USE", refused.body
    assert counters.template("modern-ocean", consistent=True)["live_cvs"] == 1


# ---------------------------------------------------------------- the retry policy
class _FakeClient:
    """Answers TransactWriteItems / UpdateItem with the given errors, then success."""

    def __init__(self, errors: list[dict]):
        self.errors, self.calls = list(errors), []

    def _answer(self, name: str, kwargs: dict):
        self.calls.append(kwargs)
        if self.errors:
            raise ClientError(self.errors.pop(0), name)
        return {}

    def transact_write_items(self, **kwargs):
        return self._answer("TransactWriteItems", kwargs)

    def update_item(self, **kwargs):
        return self._answer("UpdateItem", kwargs)


def _cancelled(*codes: str) -> dict:
    return {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": c} for c in codes]}


@pytest.fixture
def fake(monkeypatch):
    pauses: list[float] = []
    monkeypatch.setattr(table.time, "sleep", pauses.append)

    def install(errors: list[dict]) -> _FakeClient:
        client = _FakeClient(errors)
        monkeypatch.setattr(table, "client", lambda: client)
        client.pauses = pauses
        return client
    return install


def test_conflicts_are_retried_with_the_same_token(fake):
    client = fake([_cancelled("None", "TransactionConflict")] * 3)
    table.transact([{"ConditionCheck": {}}], token="tok-1")
    assert len(client.calls) == 4 and {c["ClientRequestToken"] for c in client.calls} == {"tok-1"}
    assert all(0 <= p <= table.CONFLICT_CAP_SECONDS for p in client.pauses) and len(client.pauses) == 3


def test_retries_are_bounded(fake):
    client = fake([_cancelled("TransactionConflict")] * 50)
    with pytest.raises(table.TransactionFailed) as failed:
        table.transact([{"ConditionCheck": {}}])
    assert failed.value.conflict and len(client.calls) == table.CONFLICT_ATTEMPTS


def test_a_failed_condition_is_never_retried(fake):
    client = fake([_cancelled("ConditionalCheckFailed", "TransactionConflict")])
    with pytest.raises(table.TransactionFailed) as failed:
        table.transact([{"ConditionCheck": {}}, {"ConditionCheck": {}}])
    assert failed.value.failed_at(0) and len(client.calls) == 1
    client = fake([{"Error": {"Code": "ConditionalCheckFailedException", "Message": "no"}}])
    with pytest.raises(table.ConditionFailed):
        table.update("P", "S", "SET a = :a", condition="attribute_exists(pk)", a=1)
    assert len(client.calls) == 1


def test_a_plain_write_meeting_a_transaction_is_retried(fake):
    client = fake([{"Error": {"Code": "TransactionConflictException", "Message": "busy"}}] * 2)
    table.update("P", "S", "SET a = :a", a=1)
    assert len(client.calls) == 3
