"""`make test` passes on any date: the tests that compute business days, weeks and months run
again, each in a pytest of its own with the whole clock moved (time-machine, ticking: see
`--now` in tests/support/fixtures.py) to an instant where dates are easy to get wrong.

The instants: a UTC evening that is already the next day, month or year in Dar es Salaam
(UTC+3), the small hours of a month's first day, and a leap day. The truth test replays a
smaller history here (TRUTH_OPERATIONS) to keep the cost of this module near a minute.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

INSTANTS = [
    "2027-01-31T22:30:00Z",  # 01:30 on 1 February in Dar es Salaam; 31 January in UTC
    "2027-02-01T00:30:00Z",  # the 1st of a month in both; yesterday is the last of the month
    "2026-12-31T21:30:00Z",  # 00:30 on 1 January 2027 in Dar es Salaam: a new year, ISO week 53
    "2028-02-29T12:00:00Z",  # a leap day
    "2028-03-01T00:10:00Z",  # the day after a leap day: yesterday is 29 February
]

# The tests that ask for "today", yesterday, a week or a month, through the real handlers.
DATE_SENSITIVE = [
    "tests/unit/test_any_date.py::test_the_whole_clock_moved",
    "tests/unit/test_admin_truth.py",
    "tests/unit/test_counters.py",
    "tests/unit/test_admin_money.py::test_rollup_is_idempotent_and_backfills_any_day",
    "tests/unit/test_admin_money.py::test_analytics_daily_weekly_monthly",
    "tests/unit/test_admin_money.py::test_csv_report_is_exact",
    "tests/unit/test_admin_money.py::test_stats_from_the_live_counters",
    "tests/unit/test_support_desk.py::test_payments_from_before_the_lookups_are_found_after_the_backfill",
    "tests/unit/test_support_desk.py::test_one_recheck_completes_a_silent_payment_once",
    "tests/unit/test_refunds.py::test_the_rollup_of_the_refund_day_shows_it",
    "tests/unit/test_refunds.py::test_long_monthly_and_weekly_series_take_one_or_two_queries",
    "tests/unit/test_funnel.py::test_past_days_come_from_the_rollup_and_a_year_is_two_calls",
    # a viewer's hash is salted per business day
    "tests/unit/test_sharing.py::test_one_viewer_counts_once_per_half_hour_and_others_count",
]
TRUTH_OPERATIONS = "60"
# The pytest's own environment: none of this session's workers or current test.
NOT_INHERITED = ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID",
                 "PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS")


@pytest.mark.parametrize("instant", INSTANTS)
def test_the_date_sensitive_tests_pass_with_the_clock_at(instant, pytestconfig):
    if pytestconfig.getoption("--now"):
        pytest.skip("this session already runs on a moved clock")
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(CHAPCHAP_TEST_NOW=instant, TRUTH_OPERATIONS=TRUTH_OPERATIONS)
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:xdist", "-q", "--no-header", "-x",
                          *DATE_SENSITIVE],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    tail = "\n".join(line for line in run.stdout.splitlines() if not line.startswith("{"))[-6000:]
    assert run.returncode == 0, f"with the clock at {instant}:\n{tail}\n{run.stderr[-2000:]}"


def test_the_whole_clock_moved(pytestconfig):
    """Under `--now`, Python's clocks and the C library's agree on the moved instant (and it
    ticks on): what the handlers, pyjwt, botocore and moto read."""
    instant = pytestconfig.getoption("--now")
    if not instant:
        pytest.skip("runs in the moved-clock sessions")
    import time
    from datetime import date, datetime, timedelta, timezone

    from chapchap import clock

    moved = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    reads = [datetime.now(timezone.utc), datetime.fromtimestamp(time.time(), timezone.utc), clock.now(),
             datetime.fromtimestamp(time.clock_gettime(time.CLOCK_REALTIME), timezone.utc)]
    assert all(moved <= read < moved + timedelta(hours=1) for read in reads), reads
    assert date.today() in {(moved + timedelta(days=n)).date() for n in (-1, 0, 1)}  # in the machine's zone
    assert clock.business_date() in {(moved + timedelta(hours=n)).date() for n in (3, 4)}  # Dar es Salaam, UTC+3
