"""Schedule and ScheduleV2 events of template.yaml, run by a background thread.

Schedule (an EventBridge rule) always runs in UTC and sends the "Scheduled Event" event;
ScheduleV2 (EventBridge Scheduler) honours ScheduleExpressionTimezone and sends the
Scheduler's default notification. Either sends its Input instead when it has one.
LOCAL_SCHEDULES=off turns them all off.
"""
from __future__ import annotations

import json
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from .cron import parse_schedule
from .template import ACCOUNT_ID, Template

UTC = timezone.utc


@dataclass
class Job:
    function_id: str
    event_name: str
    kind: str  # Schedule or ScheduleV2
    expression: str
    timezone: str | None
    props: dict
    schedule: object = None
    next_run: datetime | None = None

    def describe(self) -> str:
        zone = f" {self.timezone}" if self.timezone else ""
        return f"{self.function_id} {self.expression}{zone}"

    def event(self, when: datetime, region: str, prefix: str) -> dict:
        if self.props.get("Input"):
            value = self.props["Input"]
            return json.loads(value) if isinstance(value, str) else value
        stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        name = self.props.get("Name") or f"{prefix}-{self.function_id}-{self.event_name}"
        if self.kind == "Schedule":
            resource = f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{name}"
            source, detail = "aws.events", {}
        else:
            group = self.props.get("GroupName") or "default"
            resource = f"arn:aws:scheduler:{region}:{ACCOUNT_ID}:schedule/{group}/{name}"
            source, detail = "aws.scheduler", "{}"
        return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
                "source": source, "account": ACCOUNT_ID, "time": stamp, "region": region,
                "resources": [resource], "detail": detail}


_EMULATED = ("Schedule", "ScheduleExpression", "ScheduleExpressionTimezone", "Enabled", "State", "Input",
             "Name", "GroupName")


def jobs_of(template: Template, anchor: datetime | None = None, resolve=None) -> list[Job]:
    """Every enabled schedule of the template (invalid expressions raise ValueError).

    `resolve` evaluates intrinsics in the properties (`ScheduleExpressionTimezone: !Ref
    BusinessTimeZone`); the stack passes its resolver (parameter overrides), else the
    template's parameter defaults are used."""
    if resolve is None:
        from .template import Resolver

        resolve = Resolver(template, {}, "local").resolve
    anchor = anchor or datetime.now(UTC).replace(second=0, microsecond=0)
    jobs = []
    for fn in template.functions.values():
        for event_name, ev in fn.events.items():
            kind = ev.get("Type")
            if kind not in ("Schedule", "ScheduleV2"):
                continue
            # Only what the emulation uses: the rest (DeadLetterConfig's queue ARN, RetryPolicy)
            # names resources that a bare parameter resolver does not know.
            props = resolve({k: v for k, v in (ev.get("Properties", {}) or {}).items() if k in _EMULATED})
            if props.get("Enabled") is False or str(props.get("State", "ENABLED")).upper() == "DISABLED":
                continue
            if kind == "Schedule":
                expression, tz = props["Schedule"], None
            else:
                expression, tz = props["ScheduleExpression"], props.get("ScheduleExpressionTimezone")
            try:
                schedule = parse_schedule(expression, tz, anchor)
            except (ValueError, KeyError) as exc:
                raise ValueError(f"{fn.logical_id}.{event_name}: {exc}") from None
            jobs.append(Job(fn.logical_id, event_name, kind, expression, tz, props, schedule))
    return jobs


class Scheduler:
    def __init__(self, jobs: list[Job], invoke, *, region: str, prefix: str, log=print, clock=None):
        self.jobs = jobs
        self.invoke = invoke
        self.region = region
        self.prefix = prefix
        self.log = log
        self.clock = clock or (lambda: datetime.now(UTC))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self, now: datetime) -> list[tuple[Job, datetime]]:
        """Jobs due at `now`, each with its scheduled time; moves them to their next run."""
        found = []
        for job in self.jobs:
            if job.next_run is None:
                job.next_run = job.schedule.next_after(now)
                continue
            if job.next_run <= now:
                found.append((job, job.next_run))
                job.next_run = job.schedule.next_after(now)  # missed runs are not caught up
        return found

    def run(self, job: Job, when: datetime) -> None:
        started = time.monotonic()
        try:
            self.invoke(job.function_id, job.event(when, self.region, self.prefix))
            outcome = "ok"
        except Exception:  # noqa: BLE001
            outcome = "failed"
            self.log(f"{job.function_id}: scheduled run failed:\n{traceback.format_exc()}")
        ms = (time.monotonic() - started) * 1000
        self.log(f"{time.strftime('%H:%M:%S')}  SCHEDULE {job.expression}  -> {outcome}  "
                 f"{ms:.0f} ms  {job.function_id}")

    def start(self) -> None:
        self.due(self.clock())  # sets each job's first run
        self._thread = threading.Thread(target=self._loop, name="schedules", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = self.clock()
            for job, when in self.due(now):
                threading.Thread(target=self.run, args=(job, when), daemon=True,
                                 name=f"schedule-{job.function_id}").start()
            upcoming = [j.next_run for j in self.jobs if j.next_run is not None]
            wait = min([(t - self.clock()).total_seconds() for t in upcoming] + [30.0])
            self._stop.wait(max(0.05, min(wait, 30.0)))

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)
