"""Load: concurrent visitor journeys plus admin reads against a local stack, for a fixed time.

    python -m bench.load [--users 3] [--seconds 20] [--url URL]

Without --url it starts its own local stack (fresh state, Selcom simulator, bcrypt cost 10)
and stops it afterwards. Each virtual visitor loops over the whole journey: create a CV
anonymously -> register with the anonymous id -> initiate a payment (USSD push) -> wait for
the simulator to pay and the webhook to land -> download the PDF bytes. One admin reads
stats, payments and analytics meanwhile. Requests are bounded by the time limit and by
--max-journeys; everything goes to loopback only.

Prints throughput, p50/p95/p99 per endpoint and errors, then checks that the admin stats
moved by exactly what the journeys paid, to the shilling.
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

    def call(self, session: requests.Session, method: str, url: str, label_base: str, **kwargs) -> requests.Response:
        label = f"{method} {ROUTE_IDS.sub('/{id}', url.replace(label_base, ''))}"
        started = time.perf_counter()
        try:
            response = session.request(method, url, timeout=30, **kwargs)
        except requests.RequestException:
            with self.lock:
                self.errors[label] += 1
            raise
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.latencies[label].append(elapsed)
            if response.status_code >= 500:
                self.errors[label] += 1
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


def start_stack(port: int, state: Path) -> subprocess.Popen:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SELCOM_"))},
           "BCRYPT_ROUNDS": "10", "LOCAL_SCHEDULES": "off", "LOCAL_SELCOM_DELAY": "0.5",
           "ADMIN_EMAIL": "load-admin@example.com", "ADMIN_PASSWORD": "Load-Admin-Password-1", "POWERTOOLS_LOG_LEVEL": "WARNING"}
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=3, help="concurrent visitors (default 3)")
    parser.add_argument("--seconds", type=int, default=20, help="how long new journeys start (default 20)")
    parser.add_argument("--max-journeys", type=int, default=2000, help="upper bound of journeys in all")
    parser.add_argument("--url", help="an already running stack (admin from --admin-email/--admin-password)")
    parser.add_argument("--admin-email", default="load-admin@example.com")
    parser.add_argument("--admin-password", default="Load-Admin-Password-1")
    args = parser.parse_args(argv)

    process, tmp = None, None
    if args.url:
        base = args.url.rstrip("/")
        if not re.match(r"^https?://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$", base):
            raise SystemExit("load is only driven against loopback addresses")
    else:
        import socket
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        tmp = tempfile.TemporaryDirectory()
        process = start_stack(port, Path(tmp.name) / "state")
        base = f"http://127.0.0.1:{port}"
    try:
        token = admin_token(base, args.admin_email, args.admin_password)
        before = stats(base, token)
        rec, paid, counter = Recorder(), [], {"started": 0, "failed": 0}
        deadline = time.monotonic() + args.seconds
        stop = threading.Event()
        admin = threading.Thread(target=admin_reads, args=(base, rec, token, stop), daemon=True)
        admin.start()

        def visitor(worker: int) -> None:
            while time.monotonic() < deadline:
                with rec.lock:
                    if counter["started"] >= args.max_journeys:
                        return
                    counter["started"] += 1
                    n = counter["started"]
                try:
                    journey(base, rec, deadline, paid, n)
                except (requests.RequestException, KeyError, ValueError):
                    with rec.lock:
                        counter["failed"] += 1

        started = time.perf_counter()
        workers = [threading.Thread(target=visitor, args=(i,)) for i in range(args.users)]
        [w.start() for w in workers]
        [w.join() for w in workers]
        elapsed = time.perf_counter() - started
        stop.set()
        admin.join(5)
        after = stats(base, token)
    finally:
        if process:
            process.terminate()
            process.wait(30)
        if tmp:
            tmp.cleanup()

    total_requests = sum(len(v) for v in rec.latencies.values())
    print(f"load: {args.users} concurrent visitors + 1 admin for {args.seconds} s against {base if args.url else 'a fresh local stack'}")
    print(f"journeys: {counter['started']} started, {len(paid)} paid, {counter['failed']} failed; "
          f"{total_requests} requests in {elapsed:.1f} s = {total_requests / elapsed:.1f} req/s")
    print(f"{'endpoint':<44} {'n':>6} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for label in sorted(rec.latencies):
        values = rec.latencies[label]
        print(f"{label:<44} {len(values):>6} {rec.errors.get(label, 0):>4} {statistics.median(values):>8.1f} "
              f"{percentile(values, 95):>8.1f} {percentile(values, 99):>8.1f}")
    revenue_delta = after["total_revenue"] - before["total_revenue"]
    paid_delta = after["paid_cvs"] - before["paid_cvs"]
    exact = revenue_delta == sum(paid) and paid_delta == len(paid)
    print(f"money: journeys paid {sum(paid):,} TZS for {len(paid)} CVs; admin stats moved by {revenue_delta:,} TZS "
          f"and {paid_delta} paid CVs: {'EXACT' if exact else 'MISMATCH'}")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    from bench._meta import stamp

    (out / "load.json").write_text(json.dumps({
        **stamp(), "users": args.users, "seconds": args.seconds, "journeys": counter, "paid": len(paid),
        "revenue": sum(paid), "errors": sum(rec.errors.values()), "requests": total_requests, "elapsed": elapsed,
        "exact": exact,
        "endpoints": {k: {"n": len(v), "errors": rec.errors.get(k, 0), "p50": statistics.median(v),
                          "p95": percentile(v, 95), "p99": percentile(v, 99)} for k, v in rec.latencies.items()}},
        indent=2))
    return 0 if exact and not sum(rec.errors.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
