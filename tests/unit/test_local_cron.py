"""Schedule expressions (rate, AWS cron, at) and the scheduled events of the local stack."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from local.cron import At, Cron, Rate, aws_weekday, parse_schedule
from local.schedules import Job, Scheduler, jobs_of
from local.template import load_template

UTC = timezone.utc


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def runs(expression: str, after: datetime, count: int = 3, tz: str | None = None) -> list[datetime]:
    schedule = parse_schedule(expression, tz)
    found, moment = [], after
    for _ in range(count):
        moment = schedule.next_after(moment)
        found.append(moment)
    return found


# ---------------------------------------------------------------- rate()
def test_rate_counts_from_its_anchor():
    anchor = utc(2026, 1, 1, 10, 0)
    rate = parse_schedule("rate(5 minutes)", anchor=anchor)
    assert isinstance(rate, Rate) and rate.seconds == 300
    assert rate.next_after(anchor) == utc(2026, 1, 1, 10, 5)
    assert rate.next_after(utc(2026, 1, 1, 10, 7, 30)) == utc(2026, 1, 1, 10, 10)
    assert rate.next_after(utc(2026, 1, 1, 10, 10)) == utc(2026, 1, 1, 10, 15)  # strictly after
    assert rate.next_after(utc(2025, 12, 31)) == utc(2026, 1, 1, 10, 5)


@pytest.mark.parametrize("expression, seconds", [
    ("rate(1 minute)", 60), ("rate(2 hours)", 7200), ("rate(1 day)", 86400), ("rate(7 days)", 604800),
])
def test_rate_units(expression, seconds):
    assert parse_schedule(expression).seconds == seconds


@pytest.mark.parametrize("expression", ["rate(0 minutes)", "rate(5 weeks)", "rate(five minutes)",
                                        "every(5 minutes)", "rate 5 minutes"])
def test_bad_expressions_are_refused(expression):
    with pytest.raises(ValueError):
        parse_schedule(expression)


# ---------------------------------------------------------------- cron()
def test_daily_shortly_after_midnight_in_the_business_time_zone():
    # Dar es Salaam is UTC+3: 00:05 there is 21:05 UTC the day before.
    found = runs("cron(5 0 * * ? *)", utc(2026, 1, 1, 0, 0), tz="Africa/Dar_es_Salaam")
    assert found == [utc(2026, 1, 1, 21, 5), utc(2026, 1, 2, 21, 5), utc(2026, 1, 3, 21, 5)]
    local = found[0].astimezone(ZoneInfo("Africa/Dar_es_Salaam"))
    assert (local.day, local.hour, local.minute) == (2, 0, 5)


def test_without_a_time_zone_cron_is_utc():
    assert runs("cron(5 0 * * ? *)", utc(2026, 1, 1, 0, 5), 1) == [utc(2026, 1, 2, 0, 5)]


def test_steps_ranges_and_weekday_names():
    # Friday 2026-01-02 23:50 UTC: the next quarter hours on weekdays are on Monday.
    found = runs("cron(0/15 * ? * MON-FRI *)", utc(2026, 1, 2, 23, 50))
    assert found == [utc(2026, 1, 5, 0, 0), utc(2026, 1, 5, 0, 15), utc(2026, 1, 5, 0, 30)]


def test_weekday_numbers_start_on_sunday():
    assert aws_weekday(datetime(2026, 1, 4).date()) == 1  # a Sunday
    assert aws_weekday(datetime(2026, 1, 10).date()) == 7  # a Saturday
    assert runs("cron(0 8 ? * 1 *)", utc(2026, 1, 1), 1) == [utc(2026, 1, 4, 8, 0)]


def test_lists_and_month_names():
    found = runs("cron(30 6,18 1 JAN,JUL ? *)", utc(2026, 1, 1, 7, 0))
    assert found == [utc(2026, 1, 1, 18, 30), utc(2026, 7, 1, 6, 30), utc(2026, 7, 1, 18, 30)]


def test_last_day_of_month_follows_leap_years():
    found = runs("cron(0 12 L * ? *)", utc(2028, 1, 31, 13, 0))
    assert found == [utc(2028, 2, 29, 12, 0), utc(2028, 3, 31, 12, 0), utc(2028, 4, 30, 12, 0)]


def test_last_and_nth_weekday_of_month():
    assert runs("cron(0 10 ? * 6L *)", utc(2026, 1, 1), 2) == [utc(2026, 1, 30, 10), utc(2026, 2, 27, 10)]
    assert runs("cron(0 9 ? * 2#1 *)", utc(2026, 1, 1), 2) == [utc(2026, 1, 5, 9), utc(2026, 2, 2, 9)]


def test_nearest_weekday():
    # 2026-02-15 is a Sunday -> Monday the 16th; 2026-03-15 is a Sunday too -> 16th;
    # 2026-08-15 is a Saturday -> Friday the 14th.
    assert runs("cron(0 9 15W * ? *)", utc(2026, 2, 1), 1) == [utc(2026, 2, 16, 9)]
    assert runs("cron(0 9 15W * ? *)", utc(2026, 8, 1), 1) == [utc(2026, 8, 14, 9)]
    assert runs("cron(0 9 LW * ? *)", utc(2026, 1, 1), 1) == [utc(2026, 1, 30, 9)]  # 31st is a Saturday


def test_year_field_and_the_end_of_time():
    assert runs("cron(0 0 1 1 ? 2030-2031)", utc(2026, 5, 1), 2) == [utc(2030, 1, 1), utc(2031, 1, 1)]
    assert parse_schedule("cron(0 0 1 1 ? 2030)").next_after(utc(2030, 1, 1)) is None


def test_daylight_saving_skips_missing_times_and_runs_repeated_ones_once():
    ny = "America/New_York"
    # 2026-03-08 02:30 does not exist in New York: the next run is the day after.
    assert runs("cron(30 2 * * ? *)", utc(2026, 3, 7, 0, 0), 2, ny) == [
        utc(2026, 3, 7, 7, 30), utc(2026, 3, 9, 6, 30)]
    # 2026-11-01 01:30 happens twice: one run (the first, EDT), then EST the day after.
    assert runs("cron(30 1 * * ? *)", utc(2026, 11, 1, 0, 0), 2, ny) == [
        utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]


@pytest.mark.parametrize("expression", [
    "cron(0 12 * * * *)",  # both day fields given
    "cron(0 12 ? * ? *)",  # neither
    "cron(0 12 * * ?)",  # five fields
    "cron(60 12 * * ? *)", "cron(0 24 * * ? *)", "cron(0 12 * 13 ? *)", "cron(0 12 ? * FUNDAY *)",
    "cron(? 12 * * ? *)",
])
def test_invalid_cron(expression):
    with pytest.raises(ValueError):
        parse_schedule(expression)


def test_cron_object_is_reusable():
    cron = Cron.parse("0 * * * ? *")
    assert cron.next_after(utc(2026, 1, 1, 10, 0)) == utc(2026, 1, 1, 11, 0)
    assert cron.next_after(utc(2026, 1, 1, 10, 59, 59)) == utc(2026, 1, 1, 11, 0)


def test_at_runs_once_in_its_time_zone():
    at = parse_schedule("at(2026-06-01T09:00:00)", "Africa/Dar_es_Salaam")
    assert isinstance(at, At)
    assert at.next_after(utc(2026, 1, 1)) == utc(2026, 6, 1, 6, 0)
    assert at.next_after(utc(2026, 6, 1, 6, 0)) is None


# ---------------------------------------------------------------- schedules of a template
TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Rollup:
    Type: AWS::Serverless::Function
    Properties:
      Handler: jobs.rollup.handler
      CodeUri: functions/
      Events:
        Nightly:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(5 0 * * ? *)
            ScheduleExpressionTimezone: Africa/Dar_es_Salaam
        Off:
          Type: ScheduleV2
          Properties: {ScheduleExpression: rate(1 minute), State: DISABLED}
  Reconcile:
    Type: AWS::Serverless::Function
    Properties:
      Handler: jobs.reconcile.handler
      CodeUri: functions/
      Events:
        Every5:
          Type: Schedule
          Properties: {Schedule: rate(5 minutes)}
        WithInput:
          Type: Schedule
          Properties: {Schedule: rate(1 hour), Input: '{"mode": "full"}'}
"""


@pytest.fixture
def jobs(tmp_path):
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    return {j.event_name: j for j in jobs_of(load_template(tmp_path / "template.yaml"),
                                            anchor=utc(2026, 1, 1, 0, 0))}


def test_jobs_come_from_the_template(jobs):
    assert set(jobs) == {"Nightly", "Every5", "WithInput"}  # the disabled one is left out
    assert jobs["Nightly"].schedule.next_after(utc(2026, 1, 1)) == utc(2026, 1, 1, 21, 5)


def test_scheduled_event_shapes(jobs):
    when = utc(2026, 1, 1, 0, 5)
    rule = jobs["Every5"].event(when, "af-south-1", "local")
    assert rule["detail-type"] == "Scheduled Event" and rule["source"] == "aws.events"
    assert rule["time"] == "2026-01-01T00:05:00Z" and rule["detail"] == {}
    assert rule["resources"][0].startswith("arn:aws:events:af-south-1:123456789012:rule/")
    scheduler = jobs["Nightly"].event(when, "af-south-1", "local")
    assert scheduler["source"] == "aws.scheduler" and scheduler["detail"] == "{}"
    assert ":schedule/default/" in scheduler["resources"][0]
    assert jobs["WithInput"].event(when, "af-south-1", "local") == {"mode": "full"}


def test_scheduler_runs_due_jobs_once_and_moves_on(jobs):
    calls = []
    scheduler = Scheduler([jobs["Every5"]], lambda fid, event: calls.append((fid, event["time"])),
                          region="af-south-1", prefix="local", log=lambda line: None)
    start = utc(2026, 1, 1, 0, 1)
    assert scheduler.due(start) == []  # sets the first run
    assert scheduler.due(start + timedelta(minutes=3)) == []
    due = scheduler.due(utc(2026, 1, 1, 0, 5))
    assert [(j.function_id, w) for j, w in due] == [("Reconcile", utc(2026, 1, 1, 0, 5))]
    for job, when in due:
        scheduler.run(job, when)
    assert calls == [("Reconcile", "2026-01-01T00:05:00Z")]
    assert jobs["Every5"].next_run == utc(2026, 1, 1, 0, 10)
    # A clock far ahead runs a job once, not once per missed period.
    assert len(scheduler.due(utc(2026, 1, 1, 3, 0))) == 1


def test_a_failing_job_is_reported_not_raised(jobs):
    lines = []

    def boom(fid, event):
        raise RuntimeError("nope")

    scheduler = Scheduler([], boom, region="af-south-1", prefix="local", log=lines.append)
    scheduler.run(jobs["Every5"], utc(2026, 1, 1, 0, 5))
    assert any("RuntimeError: nope" in line for line in lines)
    assert any("-> failed" in line for line in lines)


def test_the_scheduler_thread_runs_a_due_job(jobs):
    import threading

    ran = threading.Event()
    times = iter([utc(2026, 1, 1, 0, 1)])  # start(); afterwards the clock reads 00:06
    scheduler = Scheduler([jobs["Every5"]], lambda fid, event: ran.set(), region="af-south-1",
                          prefix="local", log=lambda line: None,
                          clock=lambda: next(times, utc(2026, 1, 1, 0, 6)))
    scheduler.start()
    try:
        assert ran.wait(30)
    finally:
        scheduler.stop()
    assert jobs["Every5"].next_run == utc(2026, 1, 1, 0, 10)


def test_job_describe():
    job = Job("Fn", "Ev", "ScheduleV2", "cron(5 0 * * ? *)", "Africa/Dar_es_Salaam", {})
    assert job.describe() == "Fn cron(5 0 * * ? *) Africa/Dar_es_Salaam"
