"""The performance report's own benchmarks, in a tiny configuration: the DynamoDB calls per
endpoint (a few routes, small tables), the rollup's reads (two small days) and the report
written from their JSON plus samples of the others."""
from __future__ import annotations

import json

import pytest

from bench import ddb_calls, report, rollup

ROUTES = ["GET /api/health", "POST /api/cvs", "DELETE /api/cvs/{id}", "GET /api/admin/users",
          "POST /api/payments/callback", "GET /api/payments/download/{cv_id}", "PdfFunction"]


@pytest.fixture(scope="module")
def calls_result():
    return ddb_calls.run([0, 6], only=ROUTES)


@pytest.fixture(scope="module")
def rollup_result():
    return rollup.run([2, 12])


def test_every_chosen_route_succeeds_with_a_count(calls_result):
    rows = {r["endpoint"]: r for r in calls_result["endpoints"]}
    assert set(rows) == {*ROUTES[:-1], "SQS: PdfFunction"}
    for row in rows.values():
        assert row["ok"], row
        assert row["total"] >= 1 and sum(row["calls"].values()) == row["total"]
        assert set(row["by_size"]) == {"0", "6"}
        if row["kind"] == "http":
            assert 200 <= row["status"] < 300
    assert rows["GET /api/health"]["calls"] == {"GetItem": 1}
    assert rows["GET /api/payments/download/{cv_id}"]["status"] == 200  # the link, not "still rendering"
    # the fresh CV the delete consumes is made before counting: only the delete's own calls
    assert rows["DELETE /api/cvs/{id}"]["calls"].get("TransactWriteItems") == 1
    assert calls_result["all_ok"] and calls_result["none_grows"]


def test_the_rollup_reads_its_days_items_only(rollup_result):
    small_alone, small, large = rollup_result["rows"]
    assert small_alone["date"] == small["date"] != large["date"]
    assert small["table_items"] > small_alone["table_items"]
    assert (small_alone["items_read"], small_alone["total_calls"]) == (small["items_read"], small["total_calls"])
    assert small["day_items_read"] == small["created_items"] > 0
    assert large["day_items_read"] == large["created_items"] > small["created_items"]
    assert rollup_result["day_reads_equal_created"] and rollup_result["records_right"]


def test_the_report_has_every_section(tmp_path, calls_result, rollup_result):
    (tmp_path / "ddb_calls.json").write_text(json.dumps(calls_result))
    (tmp_path / "rollup.json").write_text(json.dumps(rollup_result))
    figures = {"median_ms": 300.0, "min_ms": 290.0, "modules_loaded": 700}
    (tmp_path / "coldstart.json").write_text(json.dumps({
        "runs": 7, "baseline": {"code": "import boto3", "warm": {**figures, "median_ms": 250.0}},
        "functions": [{"function": "HealthFunction", "route": "GET /api/health", "warm": figures, "ratio": 1.2},
                      {"function": "PdfFunction", "route": "SQS PdfQueue", "warm": {**figures, "median_ms": 500.0},
                       "ratio": 2.0}]}))
    (tmp_path / "pdf_render.json").write_text(json.dumps({
        "runs": 15, "cold_runs": 5,
        "warm": [{"fixture": "one_page", "layout": "classic", "pages": 1, "bytes": 9000, "wall_ms": 11.0,
                  "cpu_ms": 10.0, "min_ms": 10.5}],
        "cold": [{"layout": "classic", "import_ms": 300.0, "first_render_ms": 120.0, "total_ms": 420.0}]}))
    (tmp_path / "preview.json").write_text(json.dumps({
        "runs": 15, "cold_runs": 5, "goal_ms": 150, "cores": 2,
        "warm": [{"layout": "modern", "pages": 2, "png_kib": [300, 150], "wall_ms": 140.0, "cpu_ms": 120.0,
                  "min_ms": 130.0, "pdf_ms": 30.0, "raster_ms": 90.0, "again_ms": 20.0}],
        "cold": [{"layout": "modern", "import_ms": 300.0, "first_preview_ms": 1200.0, "total_ms": 1500.0}]}))
    text = report.build(tmp_path)
    for _name, title, _render in report.SECTIONS:
        assert f"## {title}" in text
    for command in report.COMMANDS.values():
        assert f"`{command}`" in text
    assert "2 of 2 functions: 300-500 ms" in text and "1.20-2.00x the baseline (250 ms)" in text
    assert "| `GET /api/health` | 200 | GetItem 1 | 1 | 1 |" in text
    assert f"| {rollup_result['rows'][2]['date']} |" in text
    assert "| one page (1 page) | 11 ms (10 cpu) |" in text
    assert "| modern | 2 | 300 + 150 | 140 | 120 | 130 | 30 | 90 | 20 |" in text
    assert "Slowest layout: 120 ms of CPU, 140 ms wall." in text
    assert "Not run yet: no `bench/out/load.json`." in text
    assert "Machine: " in text and " cores, " in text


def test_login_timing_measures_every_kind_and_reports_it(tmp_path):
    """The figures themselves are the benchmark's business (no wall-clock assertion here):
    the run answers every kind as expected and the report shows it."""
    from bench import login_timing

    result = login_timing.run(2, 4)
    assert result["answers_right"] and set(result["kinds"]) == set(login_timing.KINDS)
    assert all(row["median_ms"] > 0 for row in result["kinds"].values())
    (tmp_path / "login_timing.json").write_text(json.dumps({**result, "date": "2026-12-02T00:00:00+00:00"}))
    text = report.build(tmp_path)
    assert "## Login time: unknown and known emails" in text and "| `known-wrong` |" in text


# ---------------------------------------------------------------- request units and costs
def test_request_units_follow_item_sizes():
    from tests.support.counting import item_size, read_units, write_units

    small = {"pk": {"S": "USER#1"}, "sk": {"S": "PROFILE"}}  # 2+6 + 2+7 bytes
    assert item_size(small) == 17
    big = {**small, "content": {"S": "x" * 3000}}
    assert read_units([item_size(small)]) == 0.5  # eventually consistent, one 4 KB block
    assert read_units([item_size(small)], consistent=True) == 1
    assert read_units([5000, 100], per_item=True) == 1.5  # 2 blocks + 1 block, halved
    assert read_units([3000, 3000], per_item=False) == 1  # a Query sums before rounding: 2 blocks, halved
    assert read_units([100], transactional=True) == 2
    assert write_units(None, small) == 1
    assert write_units(small, big) == 3  # the larger image, 3,017 bytes
    assert write_units(None, small, transactional=True) == 2
    indexed = {**small, "gsi1pk": {"S": "EMAIL#a"}}
    assert write_units(None, indexed) == 2  # the table and one index


def test_request_units_of_real_calls(aws):
    from chapchap.data import table
    from tests.support.counting import count_ddb_calls

    name = table.table_name()
    item = {"pk": {"S": "UNITS#1"}, "sk": {"S": "A"}, "blob": {"S": "y" * 2000}}
    with count_ddb_calls(units=True) as calls:
        table.client().put_item(TableName=name, Item=item)
        table.client().get_item(TableName=name, Key={"pk": item["pk"], "sk": item["sk"]})
        table.client().transact_write_items(TransactItems=[{"Delete": {
            "TableName": name, "Key": {"pk": item["pk"], "sk": item["sk"]}}}])
    # put: 2,013 bytes = 2 units; delete of the same item in a transaction: 2 x 2
    assert calls.write_units == 2 + 4
    assert calls.read_units == 0.5
    assert calls.items_written == 2
    assert calls.total == 3  # the sizing reads are not counted as the code's calls


def _fake_ddb(labels_ms: dict[str, float]) -> dict:
    rows = []
    for label, ms in labels_ms.items():
        fn = "PdfFunction" if "Pdf" in label else "ReconcilePaymentsFunction" if "Reconcile" in label \
            else "DailyRollupFunction" if "Rollup" in label else "X"
        other = {"sqs SendMessage": 1} if "callback" in label else {"s3 PutObject": 1} if "Pdf" in label else {}
        rows.append({"endpoint": label, "function": fn, "kind": "other" if ":" in label else "http", "total": 2,
                     "by_size": {"10": {"ms": ms, "read_units": 1.0, "write_units": 4.0, "items_written": 2,
                                        "other_calls": other}}})
    return {"date": "2026-12-02T00:00:00+00:00", "endpoints": rows}


def test_the_cost_of_a_journey_adds_up_from_counts():
    from bench import costs

    labels = {label: 100.0 for label, _ in costs.PAID_JOURNEY + costs.BROWSING_JOURNEY}
    labels.update({label: 100.0 for label, _ in costs.SCHEDULED})
    ddb = _fake_ddb(labels)
    memory = {"X": 1024, "PdfFunction": 1024}
    paid = costs.steps(costs.PAID_JOURNEY, ddb, memory, {}, {})
    n = sum(count for _, count in costs.PAID_JOURNEY)
    http = sum(count for label, count in costs.PAID_JOURNEY if ":" not in label)
    line = costs.journey_cost(paid, cold_share=0.0, browser_s3=costs.BROWSER_S3_PAID, stored_pdf=True,
                              pdf_bytes=0)
    p = {k: v[0] for k, v in costs.PRICES.items()}
    assert line["lambda requests"] == pytest.approx(n * p["lambda_request"])
    assert line["lambda duration"] == pytest.approx(n * 0.1 * 1.0 * p["lambda_gb_s"])  # 100 ms at 1 GB
    assert line["http api"] == pytest.approx(http * p["http_api_request"])
    assert line["dynamodb reads"] == pytest.approx(n * 1.0 * p["ddb_rru"])
    assert line["dynamodb writes"] == pytest.approx(n * 4.0 * p["ddb_wru"])
    # the render's PutObject and the browser's photo upload; the browser's download
    assert line["s3 requests"] == pytest.approx(2 * p["s3_put"] + 1 * p["s3_get"])
    # the callback's SendMessage, then the event source mapping's receive and delete
    assert line["sqs"] == pytest.approx(3 * p["sqs_request"])

    browsing = costs.steps(costs.BROWSING_JOURNEY, ddb, memory, {}, {})
    scheduled = costs.steps(costs.SCHEDULED, ddb, memory, {}, {})
    m = costs.month(1000, paid, browsing, scheduled, conversion=0.1, pdf_bytes=0)
    assert m["payers"] == pytest.approx(3000) and m["browsers"] == pytest.approx(27000)
    b_http = sum(count for _, count in costs.BROWSING_JOURNEY)
    assert m["lines"]["http api"] == pytest.approx((3000 * http + 27000 * b_http) * p["http_api_request"])
    assert m["total"] == pytest.approx(sum(m["lines"].values()))
