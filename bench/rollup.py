"""The daily rollup reads the items of its day, not the table: items read per day against
items created that day, on days of very different volume, against moto.

Three past business days (the 10th of the three previous months, so that each day's ISO
week and calendar month hold only that day) get --volumes sign-ups (each active that day),
as many CVs, half as many completed payments and a quarter as many downloads, built by the
product's constructors (bench/_activity.py). First only the smallest day is in the table
and is rolled up; then the other days are added and every day is rolled up, the smallest
again: its reads must not change although the table grew a hundredfold.

Each rollup runs the real handler (DailyRollupFunction, `{"date": ...}`) with the
DynamoDB calls counted and the items each read call went through (ScannedCount of a
Query, items returned by GetItem/BatchGetItem). The daily record's own reads
(chapchap.analytics.compute_day, run again alone) are told apart from those of the week
and month records, which re-read the ACTIVE markers of every finished day of the period
(distinct users cannot be summed from days): those grow with the period's active users,
not with the table.

    python -m bench.rollup [--volumes 20 200 2000]

Output: a table on stdout and bench/out/rollup.json.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import sys
import time
import warnings
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.world import prepare_process  # noqa: E402

prepare_process()
# A handler that emits no metric of its own says so on every invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")

OUT = ROOT / "bench" / "out" / "rollup.json"
FUNCTION = "DailyRollupFunction"


def past_days(today: date, count: int) -> list[date]:
    """The 10th of each of the `count` months before today's, oldest first."""
    found, first = [], today.replace(day=1)
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        found.append(first.replace(day=10))
    return sorted(found)


def table_items() -> int:
    from chapchap.data import table

    total, kwargs = 0, {"TableName": table.table_name(), "Select": "COUNT"}
    while True:
        page = table.client().scan(**kwargs)
        total += page["Count"]
        if not page.get("LastEvaluatedKey"):
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def roll_up(day: date, volume, phase: str) -> dict[str, Any]:
    from chapchap.analytics import rollup as analytics
    from tests.support.apigw import invoke
    from tests.support.counting import count_ddb_calls

    size = table_items()
    started = time.perf_counter()
    with count_ddb_calls() as calls:
        summary = invoke(FUNCTION, {"date": day.isoformat()})
    elapsed = (time.perf_counter() - started) * 1000
    with count_ddb_calls() as own:
        record = analytics.compute_day(day)
    expected = {"new_users": volume.signups, "cvs_created": volume.cvs, "payments_completed": volume.payments,
                "downloads": volume.downloads, "active_users": volume.signups}
    return {
        "phase": phase, "date": day.isoformat(), "table_items": size,
        "created": {"signups": volume.signups, "cvs": volume.cvs, "payments": volume.payments,
                    "downloads": volume.downloads},
        "created_items": volume.rolled_up_items,
        "items_read": calls.total_items_read, "calls": dict(sorted(calls.items())), "total_calls": calls.total,
        "day_items_read": own.total_items_read, "day_calls": own.total,
        "period_items_read": calls.total_items_read - own.total_items_read,
        # each read call: the partition (and index) it read and how many items it went through
        "reads": calls.reads,
        "record_right": all(record[k] == v for k, v in expected.items())
        and summary["days"][0]["new_users"] == volume.signups,
        "ms": round(elapsed, 1),
    }


def run(volumes: list[int], seed: int = 20261122) -> dict[str, Any]:
    from chapchap import clock
    from chapchap.templates.catalog import seed_starter_templates
    from tests.support.world import moto_account, scoped_env

    from bench._activity import Volume, day_of_activity

    volumes = sorted(volumes)
    rng = random.Random(seed)
    rows = []
    # The handlers' metrics (EMF lines on stdout) would bury the table.
    with scoped_env() as setenv, moto_account(setenv), contextlib.redirect_stdout(io.StringIO()):
        seed_starter_templates()
        days = past_days(clock.business_date(), len(volumes))
        plan = [(d, Volume.of(n)) for d, n in zip(days, volumes)]
        first_day, first_volume = plan[0]
        day_of_activity(first_day, first_volume, rng=rng)
        rows.append(roll_up(first_day, first_volume, "only this day in the table"))
        for day, volume in plan[1:]:
            day_of_activity(day, volume, rng=rng)
        for day, volume in plan:
            rows.append(roll_up(day, volume, "all days in the table"))
    small_alone, small_full = rows[0], rows[1]
    return {
        "volumes": volumes, "rows": rows,
        "same_reads_when_table_grew": (small_alone["items_read"], small_alone["total_calls"])
        == (small_full["items_read"], small_full["total_calls"]),
        "day_reads_equal_created": all(r["day_items_read"] == r["created_items"] for r in rows),
        "records_right": all(r["record_right"] for r in rows),
    }


def render(result: dict[str, Any]) -> str:
    head = ["day", "table items", "created that day", "day items read", "week+month items read",
            "items read", "calls", "record"]
    rows = []
    for r in result["rows"]:
        c = r["created"]
        rows.append([r["date"] + (" (alone)" if r["phase"].startswith("only") else ""), f"{r['table_items']:,}",
                     f"{r['created_items']:,} ({c['signups']} users, {c['cvs']} CVs, {c['payments']} paid, "
                     f"{c['downloads']} dl)", f"{r['day_items_read']:,}", f"{r['period_items_read']:,}",
                     f"{r['items_read']:,}", str(r["total_calls"]), "right" if r["record_right"] else "WRONG"])
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    yes = {True: "yes", False: "NO"}
    lines.append(f"\nthe daily record reads exactly the day's items: {yes[result['day_reads_equal_created']]}; "
                 f"the smallest day's reads unchanged after the table grew: "
                 f"{yes[result['same_reads_when_table_grew']]}; "
                 f"records match what was created: {yes[result['records_right']]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rollup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--volumes", type=int, nargs="+", default=[20, 200, 2000],
                        help="sign-ups (and CVs) on each day, one past day each (default 20 200 2000)")
    parser.add_argument("--json", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if len(args.volumes) < 2 or min(args.volumes) < 1:
        parser.error("--volumes needs at least two positive numbers")
    started = time.perf_counter()
    from bench._meta import stamp

    result = {**stamp(), **run(args.volumes)}
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(render(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json}")
    ok = result["same_reads_when_table_grew"] and result["day_reads_equal_created"] and result["records_right"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
