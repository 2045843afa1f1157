"""DynamoDB calls per endpoint: every sample event of events/, through its real handler,
against moto, with the calls counted by operation.

Each HTTP route of template.yaml has a sample event (API Gateway HTTP API, payload 2.0);
the PDF consumer (SQS) and the two scheduled functions have theirs. The placeholders are
filled as tests/unit/test_events.py fills them (tests/support/events.py): a signed-in user
with an unpaid and a paid CV, an admin, a template no CV uses. Events that consume what
they act on (deleting, suspending, logging out, changing a password, completing a payment,
rendering a version) get a fresh one of their own just before, so every event is a
successful request whatever the order, and the calls counted are only the event's own;
the download finds its CV's PDF rendered.

The whole run is repeated with --sizes extra users and CVs (and their payments) in the
table, written in the current business month where the admin lists look: the counts of the
runs side by side show which grow with the table: none should (a fuller table may need
fewer, when a page fills from the first partition it reads). Per-container caches
(the default price, read at most once a minute) are warm, as in a container's steady
state; the settings' SSM reads are not DynamoDB calls.

Each row also has, for bench/costs.py: the on-demand request units of those calls
(tests/support/counting.py, from item sizes), the items written, the other AWS calls
(S3, SQS, SSM) and the handler's warm wall time (module already imported; the time spent
sizing items for the units is taken out), against moto on this machine.

    python -m bench.ddb_calls [--sizes 10 1000] [--only ROUTE_OR_FUNCTION ...]

Output: a table on stdout and bench/out/ddb_calls.json.
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
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.world import prepare_process  # noqa: E402

prepare_process()
# A handler that emits no metric of its own says so on every invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")

OUT = ROOT / "bench" / "out" / "ddb_calls.json"
FRESH_PASSWORD = "correct horse battery"  # the sample password-change event's current password

# What an event consumes, so it gets its own before it runs (see the module's docstring).
FRESH: dict[str, tuple[str, ...]] = {
    "PUT /api/cvs/{id}": ("cv",),
    "DELETE /api/cvs/{id}": ("cv",),
    "PUT /api/admin/cvs/{id}": ("cv",),
    "DELETE /api/admin/cvs/{id}": ("cv",),
    "POST /api/cvs/{id}/restore": ("deleted",),
    "POST /api/admin/cvs/{id}/restore": ("deleted",),
    "PUT /api/admin/users/{id}": ("user",),
    "DELETE /api/admin/users/{id}": ("user",),
    "POST /api/auth/refresh": ("user",),
    "POST /api/auth/logout": ("user",),
    "POST /api/user/me/password": ("user",),
    "POST /api/auth/password/reset": ("user",),  # a reset ends every session of its user
    "POST /api/payments/callback": ("reference",),
    "DELETE /api/admin/templates/{id}": ("template",),
    # Not consumed, but a download answers 200 with a link only once the PDF is rendered
    # (before that, 202 "rendering"): the PDF function renders the paid CV first.
    "GET /api/payments/download/{cv_id}": ("rendered",),
    "PdfFunction": ("cv",),
}


# Operator backfills: walking every item of the months asked for is their job, so their calls
# grow with the data (bounded by the months a run takes); kept out of the "never grows" verdict.
WALK_THE_DATA = ("PaymentLookupBackfillFunction", "UserIndexBackfillFunction")


def event_label(fn, event: dict) -> str:
    if event.get("routeKey"):
        return event["routeKey"]
    kinds = sorted({e.get("Type", "?") for e in fn.events.values()}) or ["invoke"]
    return f"{'/'.join(kinds)}: {fn.logical_id}"


def _fresh(needs: Iterable[str], context: dict[str, Any], api, sim, serial: int) -> dict[str, Any]:
    from tests.support.events import new_cv, paid_reference

    context = dict(context)
    for need in needs:
        if need == "user":
            reply = api.post("/api/auth/register", json={"full_name": f"Fresh User {serial}",
                                                         "email": f"fresh-{serial}@example.com",
                                                         "password": FRESH_PASSWORD})
            assert reply.status == 201, reply.body
            context.update(access_token=reply.data["access_token"], refresh_token=reply.data["refresh_token"],
                           user_id=reply.data["user"]["id"])
            context["cv_id"] = new_cv(api, context["access_token"])
        elif need == "cv":
            context["cv_id"] = new_cv(api, context["access_token"])
        elif need == "deleted":
            from tests.support.events import deleted_cv

            context["deleted_cv_id"] = deleted_cv(api, context["access_token"])
        elif need == "reference":
            cv_id = new_cv(api, context["access_token"])
            context["reference"] = paid_reference(api, sim, context["access_token"], cv_id, deliver=False)
        elif need == "rendered":
            from tests.support.apigw import invoke
            from tests.support.events import EVENT_FILES, fill

            render = next(p for p in EVENT_FILES if p.parent.name == "pdf")
            result = invoke("PdfFunction", fill(render.read_text(), {**context, "cv_id": context["paid_cv_id"]}))
            assert not result.get("batchItemFailures"), result
        elif need == "template":
            from chapchap.data import templates

            context["template_id"] = f"sample-unused-{serial}"
            templates.put_if_absent(templates.new_template(id=context["template_id"], name=f"Unused {serial}",
                                                           description="", layout="compact", theme={}, price=None,
                                                           sort=91))
    return context


def fill_table(extra: int, seed: int = 6) -> int:
    """`extra` users and CVs (half of them paid, a quarter downloaded) created earlier today."""
    from chapchap import clock

    from bench._activity import Volume, day_of_activity

    if not extra:
        return 0
    now = clock.now()
    return day_of_activity(clock.business_date(now), Volume.of(extra), rng=random.Random(seed),
                           until=now - timedelta(seconds=5))


@contextlib.contextmanager
def count_aws_calls():
    """Calls to AWS other than DynamoDB (S3, SQS, SSM...) by "service Operation": every boto3
    client goes through BaseClient._make_api_call, whichever module made it."""
    from collections import Counter

    from botocore.client import BaseClient

    counts: Counter = Counter()
    original = BaseClient._make_api_call

    def counted(self, operation_name, api_params):
        service = self.meta.service_model.service_name
        if service != "dynamodb":
            counts[f"{service} {operation_name}"] += 1
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = counted
    try:
        yield counts
    finally:
        BaseClient._make_api_call = original


def run_size(extra: int, only: list[str] | None = None) -> tuple[list[dict[str, Any]], int]:
    """Every sample event (or those named in `only`, by route key or function id) in a fresh
    moto account with `extra` users and CVs: one row per event, and the items written for
    the extra ones."""
    from chapchap.admin import settings as settings_store
    from chapchap.templates.catalog import seed_starter_templates
    from tests.support.apigw import _RUNTIME, ApiClient, invoke
    from tests.support.counting import count_ddb_calls
    from tests.support.events import EVENT_FILES, fill, function_for, sample_context
    from tests.support.world import moto_account, scoped_env, selcom_simulator

    rows = []
    # The handlers' metrics (EMF lines on stdout) would bury the table.
    with scoped_env() as setenv, moto_account(setenv), selcom_simulator(setenv) as sim, \
            contextlib.redirect_stdout(io.StringIO()):
        api = ApiClient()
        seed_starter_templates()
        written = fill_table(extra)
        context = sample_context(api, sim)
        import chapchap.pdf  # noqa: F401 - the PDF function loads it on its first render; a warm container has it
        for serial, path in enumerate(EVENT_FILES, 1):
            fn = function_for(path)
            raw = json.loads(path.read_text())
            label = event_label(fn, raw)
            if only and label not in only and fn.logical_id not in only:
                continue
            event = fill(path.read_text(), _fresh(FRESH.get(label) or FRESH.get(fn.logical_id) or (),
                                                  context, api, sim, serial))
            settings_store.default_price()  # the once-a-minute read, warm as in a busy container
            _RUNTIME.handler(fn)  # imported already: the time below is a warm container's
            with count_aws_calls() as others, count_ddb_calls(units=True) as calls:
                started = time.perf_counter()
                result = invoke(fn.logical_id, event)
                elapsed = (time.perf_counter() - started - calls.metering_seconds) * 1000
            http = bool(fn.events_of("HttpApi"))
            if http:
                status = int(result["statusCode"])
                ok = status < 400
            else:
                failures = (result or {}).get("batchItemFailures") if isinstance(result, dict) else None
                status, ok = ("ok" if not failures else "failed"), not failures
            rows.append({"endpoint": label, "function": fn.logical_id, "kind": "http" if http else "other",
                         "event": str(path.relative_to(ROOT)), "status": status, "ok": ok,
                         "calls": dict(sorted(calls.items())), "total": calls.total,
                         "items_read": calls.total_items_read, "items_written": calls.items_written,
                         "read_units": calls.read_units, "write_units": calls.write_units,
                         "other_calls": dict(sorted(others.items())), "ms": round(elapsed, 1)})
    return rows, written


def run(sizes: list[int], only: list[str] | None = None) -> dict[str, Any]:
    sizes = sorted(sizes)
    runs = []
    for size in sizes:
        rows, written = run_size(size, only)
        runs.append({"extra": size, "items_written": written, "rows": rows})
    merged = []
    for index, row in enumerate(runs[0]["rows"]):
        others = [r["rows"][index] for r in runs[1:]]
        merged.append({
            "endpoint": row["endpoint"], "function": row["function"], "kind": row["kind"], "event": row["event"],
            "status": row["status"], "ok": row["ok"] and all(o["ok"] for o in others),
            "calls": row["calls"], "total": row["total"],
            "by_size": {str(r["extra"]): {k: x[k] for k in ("status", "calls", "total", "items_read", "items_written",
                                                            "read_units", "write_units", "other_calls", "ms")}
                        for r, x in zip(runs, [row, *others])},
            "walks": row["function"] in WALK_THE_DATA,
            "grows": row["function"] not in WALK_THE_DATA and any(o["total"] > row["total"] for o in others),
        })
    return {"sizes": sizes, "items_written": {str(r["extra"]): r["items_written"] for r in runs},
            "endpoints": merged,
            "http_routes": sum(1 for r in merged if r["kind"] == "http"),
            "all_ok": all(r["ok"] for r in merged), "none_grows": not any(r["grows"] for r in merged)}


def render(result: dict[str, Any]) -> str:
    from bench.report import calls_text

    sizes = result["sizes"]
    head = ["endpoint", "status", "DynamoDB calls"] + [f"total ({s} extra)" for s in sizes]
    rows = []
    for r in result["endpoints"]:
        rows.append([r["endpoint"], str(r["status"]), calls_text(r["calls"])]
                    + [str(r["by_size"][str(s)]["total"]) for s in sizes])
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    lines.append(f"\n{result['http_routes']} HTTP routes + {len(rows) - result['http_routes']} other functions; "
                 f"all successful: {'yes' if result['all_ok'] else 'NO'}; "
                 f"no endpoint makes more calls with {' than with '.join(map(str, reversed(sizes)))} extra "
                 f"users/CVs: {'yes' if result['none_grows'] else 'NO'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ddb_calls", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1000],
                        help="extra users and CVs in the table, one run each (default 10 1000)")
    parser.add_argument("--only", nargs="+", metavar="ROUTE", help="route keys or function ids to run")
    parser.add_argument("--json", type=Path, default=OUT)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    from bench._meta import stamp

    result = {**stamp(), **run(args.sizes, args.only)}
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(render(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json}")
    return 0 if result["all_ok"] and result["none_grows"] else 1


if __name__ == "__main__":
    sys.exit(main())
