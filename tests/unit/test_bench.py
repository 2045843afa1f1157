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
