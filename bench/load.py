"""Load: concurrent visitor journeys plus admin reads against a local stack, for a fixed time.

    python -m bench.load [--users 3] [--seconds 20] [--url URL]
    python -m bench.load --conflicts 20ms --shards 1 --no-retry --users 50   (one write-scale run)
    python -m bench.load --scale [--seconds 30]     (before/after at 50 and 200 visitors -> scale.json)

Without --url it starts its own local stack (fresh state, Selcom simulator, bcrypt cost 10)
and stops it afterwards. Each virtual visitor loops over the whole journey: create a CV
anonymously -> register with the anonymous id -> initiate a payment (USSD push) -> wait for
the simulator to pay and the webhook to land -> download the PDF bytes. One admin reads
stats, payments and analytics meanwhile. Requests are bounded by the time limit and by
--max-journeys; everything goes to loopback only.

Prints throughput, p50/p95/p99 per endpoint and errors, then checks that the admin stats
moved by exactly what the journeys paid, to the shilling.

Write scale (docs/scale.md): `--conflicts 20ms` starts the stack with the DynamoDB conflict
emulator on (LOCAL_DDB_CONFLICTS: transactions that overlap on an item are cancelled as
DynamoDB does), `--shards N` sets COUNTER_SHARDS and `--no-retry` turns the data layer's
conflict retries off (DDB_CONFLICT_ATTEMPTS=1): `--shards 1 --no-retry` is the code before
sharding. At the end the run reads the table through the stack's emulator and compares the
live counters (total and today's, shards added up) with what the items say (the rollup's own
count of the day's users, CVs, completions and downloads). `--scale` runs before and after
at 50 and 200 visitors and writes bench/out/scale.json for the report.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
ROUTE_IDS = re.compile(r"/(CV[0-9A-Z]{8}|[0-9a-f]{8}-[0-9a-f-]{27})(?=/|$)")


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.kinds: dict[str, int] = defaultdict(int)  # "503 SERVICE_BUSY", "timeout", ...

    def call(self, session: requests.Session, method: str, url: str, label_base: str, **kwargs) -> requests.Response:
        label = f"{method} {ROUTE_IDS.sub('/{id}', url.replace(label_base, ''))}"
        started = time.perf_counter()
        try:
            response = session.request(method, url, timeout=30, **kwargs)
        except requests.RequestException as exc:
            with self.lock:
                self.errors[label] += 1
                self.kinds["timeout" if isinstance(exc, requests.Timeout) else type(exc).__name__] += 1
            raise
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.latencies[label].append(elapsed)
            if response.status_code >= 500:
                self.errors[label] += 1
                try:
                    code = response.json()["error"]["code"]
                except (ValueError, KeyError, TypeError):
                    code = ""
                self.kinds[f"{response.status_code} {code}".strip()] += 1
        return response


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def journey(base: str, rec: Recorder, deadline: float, paid: list[int], n: int) -> None:
    s = requests.Session()
    name = f"Load Visitor {n}"
    r = rec.call(s, "POST", f"{base}/api/cvs", base, json={"template_id": "compact-ats", "content": {
        "basics": {"name": name, "summary": "Load test CV"}, "work": [{"name": "Co", "position": "Clerk"}]}})
    r.raise_for_status()
    anonymous_id, cv_id = r.json()["data"]["anonymous_id"], r.json()["data"]["cv"]["id"]
    rec.call(s, "GET", f"{base}/api/cvs", base, headers={"x-anonymous-id": anonymous_id})
    r = rec.call(s, "POST", f"{base}/api/auth/register", base, json={
        "full_name": name, "email": f"load-{uuid.uuid4().hex[:12]}@example.com", "password": "correct horse battery",
        # Ends in 9: never one of the simulator's magic endings (0001-0004).
        "phone_number": f"0754{n % 100000:05d}9", "anonymous_id": anonymous_id})
    r.raise_for_status()
    auth = {"authorization": f"Bearer {r.json()['data']['access_token']}"}
    r = rec.call(s, "POST", f"{base}/api/payments/initiate", base, headers={**auth, "idempotency-key": str(uuid.uuid4())},
                 json={"cv_id": cv_id, "method": "mobile_money"})
    r.raise_for_status()
    payment = r.json()["data"]["payment"]
    while time.monotonic() < deadline + 30:
        r = rec.call(s, "GET", f"{base}/api/payments/verify/{payment['reference']}", base, headers=auth)
        if r.json()["data"]["payment"]["status"] == "completed":
            break
        time.sleep(0.3)
    else:
        return
    with rec.lock:
        paid.append(payment["amount"])
    while time.monotonic() < deadline + 60:
        r = rec.call(s, "GET", f"{base}/api/payments/download/{cv_id}", base, headers=auth)
        if r.status_code == 200:
            body = requests.get(r.json()["data"]["url"], timeout=30).content
            if not body.startswith(b"%PDF"):
                with rec.lock:
                    rec.errors["GET pdf bytes"] += 1
            return
        time.sleep(0.3)


def admin_reads(base: str, rec: Recorder, token: str, stop: threading.Event) -> None:
    s = requests.Session()
    auth = {"authorization": f"Bearer {token}"}
    while not stop.is_set():
        for path in ("/api/admin/stats", "/api/admin/payments?limit=20", "/api/admin/analytics?period=daily"):
            rec.call(s, "GET", base + path, base, headers=auth)
        stop.wait(0.5)


def admin_token(base: str, email: str, password: str) -> str:
    r = requests.post(f"{base}/api/auth/login", json={"email": email, "password": password}, timeout=30)
    r.raise_for_status()
    return r.json()["data"]["access_token"]


def stats(base: str, token: str) -> dict:
    r = requests.get(f"{base}/api/admin/stats", headers={"authorization": f"Bearer {token}"}, timeout=30)
    r.raise_for_status()
    return r.json()["data"]


def start_stack(port: int, state: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SELCOM_"))},
           "BCRYPT_ROUNDS": "10", "LOCAL_SCHEDULES": "off", "LOCAL_SELCOM_DELAY": "0.5",
           "ADMIN_EMAIL": "load-admin@example.com", "ADMIN_PASSWORD": "Load-Admin-Password-1", "POWERTOOLS_LOG_LEVEL": "WARNING",
           **(extra_env or {})}
    process = subprocess.Popen([sys.executable, "-m", "local", "--port", str(port), "--state-dir", str(state)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(240):
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.25)
    process.terminate()
    raise SystemExit("the local stack did not start")


COUNTED = {"users": "new_users", "cvs": "cvs_created", "paid_cvs": "paid_cvs", "revenue": "revenue",
           "downloads": "downloads"}


def counters_against_items(base: str, shards: int | None) -> dict:
    """The live counters (shards added up) and what the day's items say, read through the
    stack's emulator from this process (as `python -m local.seed` does)."""
    from local.seed import connect, stack_info

    saved = dict(os.environ)  # the next stack this process starts must not inherit what connect sets
    try:
        return _counters_against_items(stack_info(base), shards, connect)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _counters_against_items(info: dict, shards: int | None, connect) -> dict:
    connect(info)
    if shards:
        os.environ["COUNTER_SHARDS"] = str(shards)
    from chapchap import clock
    from chapchap.analytics.rollup import compute_day
    from chapchap.data import counters, table
    from chapchap.settings import settings

    settings.cache_clear()
    table.reset_client()
    today = clock.business_date()
    # Requests the visitors gave up on (timeouts) and Selcom's late webhooks still land after the
    # run: compare a quiet moment, the counters unchanged across the read of the items.
    for _ in range(60):
        total, day = counters.total(consistent=True), counters.day(today, consistent=True)
        items = compute_day(today)
        if (total, day) == (counters.total(consistent=True), counters.day(today, consistent=True)):
            break
        time.sleep(1)
    truth = {k: int(items[v]) for k, v in COUNTED.items()}
    truth["users"] -= 1  # the stack's bootstrap admin: an account, counted by no one (as in AWS)
    found = {"items": truth, "total": {k: int(total.get(k) or 0) for k in COUNTED},
             "today": {k: int(day.get(k) or 0) for k in COUNTED}, "conflicts": info.get("ddb_conflicts")}
    found["exact"] = found["items"] == found["total"] == found["today"]
    return found


def run(users: int, seconds: int, *, max_journeys: int = 2000, url: str | None = None,
        admin_email: str = "load-admin@example.com", admin_password: str = "Load-Admin-Password-1",
        conflicts: str | None = None, shards: int | None = None, retry: bool = True,
        check_items: bool = False, bcrypt_rounds: int | None = None) -> dict:
    if not shards and not url:
        from local.template import load_template

        shards = int(load_template().parameters.get("CounterShards") or 1)  # the stack's: the template's
    process, tmp = None, None
    if url:
        base = url.rstrip("/")
        if not re.match(r"^https?://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$", base):
            raise SystemExit("load is only driven against loopback addresses")
    else:
        import socket
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        tmp = tempfile.TemporaryDirectory()
        extra = {}
        if conflicts:
            extra["LOCAL_DDB_CONFLICTS"] = conflicts
        if shards:
            extra["COUNTER_SHARDS"] = str(shards)
        if not retry:
            extra["DDB_CONFLICT_ATTEMPTS"] = "1"
        if bcrypt_rounds:
            extra["BCRYPT_ROUNDS"] = str(bcrypt_rounds)
        process = start_stack(port, Path(tmp.name) / "state", extra)
        base = f"http://127.0.0.1:{port}"
    try:
        token = admin_token(base, admin_email, admin_password)
        before = stats(base, token)
        rec, paid, counter = Recorder(), [], {"started": 0, "failed": 0}
        deadline = time.monotonic() + seconds
        stop = threading.Event()
        admin = threading.Thread(target=admin_reads, args=(base, rec, token, stop), daemon=True)
        admin.start()

        def visitor(worker: int) -> None:
            while time.monotonic() < deadline:
                with rec.lock:
                    if counter["started"] >= max_journeys:
                        return
                    counter["started"] += 1
                    n = counter["started"]
                try:
                    journey(base, rec, deadline, paid, n)
                except (requests.RequestException, KeyError, ValueError):
                    with rec.lock:
                        counter["failed"] += 1

        started = time.perf_counter()
        workers = [threading.Thread(target=visitor, args=(i,)) for i in range(users)]
        [w.start() for w in workers]
        [w.join() for w in workers]
        elapsed = time.perf_counter() - started
        stop.set()
        admin.join(5)
        after = stats(base, token)
        against_items = counters_against_items(base, shards) if (check_items or conflicts) and not url else None
    finally:
        if process:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:  # still busy with the last requests
                process.kill()
                process.wait(30)
        if tmp:
            tmp.cleanup()

    revenue_delta = after["total_revenue"] - before["total_revenue"]
    paid_delta = after["paid_cvs"] - before["paid_cvs"]
    from bench._meta import stamp

    return {
        **stamp(), "users": users, "seconds": seconds, "journeys": counter, "paid": len(paid),
        "revenue": sum(paid), "revenue_delta": revenue_delta, "paid_delta": paid_delta,
        "errors": sum(rec.errors.values()), "error_kinds": dict(rec.kinds), "requests": sum(len(v) for v in rec.latencies.values()),
        "elapsed": elapsed, "exact": revenue_delta == sum(paid) and paid_delta == len(paid),
        "conflicts": conflicts, "shards": shards, "retry": retry, "counters": against_items,
        "load_average": os.getloadavg()[0],
        "endpoints": {k: {"n": len(v), "errors": rec.errors.get(k, 0), "p50": statistics.median(v),
                          "p95": percentile(v, 95), "p99": percentile(v, 99)} for k, v in rec.latencies.items()}}


def show(result: dict, where: str) -> None:
    print(f"load: {result['users']} concurrent visitors + 1 admin for {result['seconds']} s against {where}"
          + (f"; conflicts {result['conflicts']}, shards {result['shards'] or 'default'}, "
             f"retries {'on' if result['retry'] else 'off'}" if result.get("conflicts") else ""))
    j, elapsed = result["journeys"], result["elapsed"]
    print(f"journeys: {j['started']} started, {result['paid']} paid, {j['failed']} failed; "
          f"{result['requests']} requests in {elapsed:.1f} s = {result['requests'] / elapsed:.1f} req/s")
    print(f"{'endpoint':<44} {'n':>6} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for label, e in sorted(result["endpoints"].items()):
        print(f"{label:<44} {e['n']:>6} {e['errors']:>4} {e['p50']:>8.1f} {e['p95']:>8.1f} {e['p99']:>8.1f}")
    if result.get("error_kinds"):
        print(f"errors: {result['error_kinds']}")
    print(f"money: journeys paid {result['revenue']:,} TZS for {result['paid']} CVs; admin stats moved by "
          f"{result['revenue_delta']:,} TZS and {result['paid_delta']} paid CVs: {'EXACT' if result['exact'] else 'MISMATCH'}")
    c = result.get("counters")
    if c:
        print(f"counters vs items: items {c['items']}; total {c['total']}; today {c['today']}: "
              f"{'EXACT' if c['exact'] else 'MISMATCH'}")
        if c.get("conflicts"):
            print(f"emulator: {c['conflicts']}")


SCALE_RUNS = [("before", {"shards": 1, "retry": False}), ("retries only", {"shards": 1, "retry": True}),
              ("after", {"shards": None, "retry": True})]


def scale(seconds: int, users: list[int], hold: str, path: Path) -> dict:
    """Before (one counter item, no retry), retries alone, and after (shards + retries), emulator
    on. Each run replaces the one of the same label and visitors in `path`, written at once."""
    from bench._meta import stamp

    data = json.loads(path.read_text()) if path.is_file() else {"runs": []}
    for n in users:
        for label, variant in SCALE_RUNS:
            # bcrypt at its minimum cost: on 2 cores the hashing of sign-ups would otherwise take
            # most of the CPU, and the write rate (what makes transactions meet) would drop.
            result = run(n, seconds, conflicts=hold, bcrypt_rounds=4, **variant)
            show(result, f"a fresh local stack ({label})")
            runs = [r for r in data["runs"] if (r["label"], r["users"]) != (label, n)] + [{"label": label, **result}]
            order = {name: i for i, (name, _) in enumerate(SCALE_RUNS)}
            runs.sort(key=lambda r: (r["users"], order.get(r["label"], 99)))
            data = {**stamp(), "hold": hold, "seconds": seconds, "runs": runs}
            path.write_text(json.dumps(data, indent=2))
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=3, help="concurrent visitors (default 3)")
    parser.add_argument("--seconds", type=int, default=20, help="how long new journeys start (default 20)")
    parser.add_argument("--max-journeys", type=int, default=2000, help="upper bound of journeys in all")
    parser.add_argument("--url", help="an already running stack (admin from --admin-email/--admin-password)")
    parser.add_argument("--admin-email", default="load-admin@example.com")
    parser.add_argument("--admin-password", default="Load-Admin-Password-1")
    parser.add_argument("--conflicts", help="the conflict emulator's hold, e.g. 20ms (default: off)")
    parser.add_argument("--shards", type=int, help="COUNTER_SHARDS of the stack (default: the template's)")
    parser.add_argument("--no-retry", action="store_true", help="no retry of conflicts (the code before)")
    parser.add_argument("--scale", action="store_true", help="before/after at --scale-users, emulator on")
    parser.add_argument("--scale-users", default="50,200", help="visitor counts of --scale (default 50,200)")
    args = parser.parse_args(argv)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    if args.scale:
        data = scale(args.seconds, [int(n) for n in args.scale_users.split(",")], args.conflicts or "20ms",
                     out / "scale.json")
        after = [r for r in data["runs"] if r["label"] == "after"]
        return 0 if all(not r["errors"] and r["counters"]["exact"] for r in after) else 1
    result = run(args.users, args.seconds, max_journeys=args.max_journeys, url=args.url,
                 admin_email=args.admin_email, admin_password=args.admin_password, conflicts=args.conflicts,
                 shards=args.shards, retry=not args.no_retry)
    show(result, args.url or "a fresh local stack")
    (out / "load.json").write_text(json.dumps(result, indent=2))
    return 0 if result["exact"] and not result["errors"] and (result["counters"] or {}).get("exact", True) else 1


if __name__ == "__main__":
    sys.exit(main())
