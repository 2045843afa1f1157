"""Login time for unknown and known emails: does the answer's time tell which emails exist?

The real login handler against moto, with the production bcrypt cost (12, or --rounds),
answering three kinds of sign-in, interleaved so a change of machine load hits them alike:

    unknown        an email no account has (401)
    known-wrong    an account's email with a wrong password (401): what a prober sends
    known-right    the right password (200; also writes the session)

The throttles are lifted for the run (the per-email delays would otherwise answer 429 before
any password check). The check: the medians of `unknown` and `known-wrong` within 10% of
each other. Before issue 11 an unknown email skipped bcrypt: about 55 ms against 255 ms.

    python -m bench.login_timing [--runs 15] [--rounds 12]

Output: a table on stdout and bench/out/login_timing.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.world import prepare_process  # noqa: E402

prepare_process()
warnings.filterwarnings("ignore", message="No application metrics to publish")

OUT = ROOT / "bench" / "out" / "login_timing.json"
KNOWN = "known@example.com"
PASSWORD = "correct horse battery"
TOLERANCE = 0.10
KINDS = ("unknown", "known-wrong", "known-right")


def run(runs: int, rounds: int) -> dict[str, Any]:
    from tests.support.apigw import ApiClient
    from tests.support.world import moto_account, scoped_env

    api = ApiClient()
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    statuses: dict[str, set[int]] = {kind: set() for kind in KINDS}
    with scoped_env() as setenv:
        setenv("BCRYPT_ROUNDS", str(rounds))
        setenv("LOGIN_MAX_FAILURES_PER_EMAIL", "1000000")
        setenv("LOGIN_MAX_FAILURES_PER_IP", "1000000")
        with moto_account(setenv):
            from chapchap.auth import passwords

            passwords._dummy_hash.cache_clear()  # made at this run's cost
            reply = api.post("/api/auth/register", json={"full_name": "Known", "email": KNOWN, "password": PASSWORD})
            assert reply.status == 201, reply.body
            bodies = {"unknown": {"email": "nobody@example.com", "password": "a wrong guess"},
                      "known-wrong": {"email": KNOWN, "password": "a wrong guess"},
                      "known-right": {"email": KNOWN, "password": PASSWORD}}
            for kind in KINDS:  # warm: imports, the dummy hash, the clients
                api.post("/api/auth/login", json=bodies[kind])
            for _ in range(runs):
                for kind in KINDS:
                    started = time.perf_counter()
                    reply = api.post("/api/auth/login", json=bodies[kind])
                    times[kind].append((time.perf_counter() - started) * 1000)
                    statuses[kind].add(reply.status)
            passwords._dummy_hash.cache_clear()
    medians = {kind: round(statistics.median(values), 1) for kind, values in times.items()}
    gap = abs(medians["unknown"] - medians["known-wrong"]) / max(medians["known-wrong"], 1e-9)
    return {"runs": runs, "bcrypt_rounds": rounds, "tolerance": TOLERANCE,
            "kinds": {kind: {"median_ms": medians[kind], "min_ms": round(min(times[kind]), 1),
                             "max_ms": round(max(times[kind]), 1), "statuses": sorted(statuses[kind])}
                      for kind in KINDS},
            "gap": round(gap, 4), "within_tolerance": gap <= TOLERANCE,
            "answers_right": statuses == {"unknown": {401}, "known-wrong": {401}, "known-right": {200}}}


def render(result: dict[str, Any]) -> str:
    lines = [f"login time, {result['runs']} runs each, bcrypt cost {result['bcrypt_rounds']}",
             f"{'kind':<14}{'median ms':>10}{'min ms':>9}{'max ms':>9}  statuses"]
    for kind, row in result["kinds"].items():
        lines.append(f"{kind:<14}{row['median_ms']:>10.1f}{row['min_ms']:>9.1f}{row['max_ms']:>9.1f}  "
                     f"{','.join(map(str, row['statuses']))}")
    lines.append(f"unknown vs known-wrong: {result['gap'] * 100:.1f}% apart "
                 f"({'within' if result['within_tolerance'] else 'NOT within'} {result['tolerance'] * 100:.0f}%)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.login_timing", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="logins of each kind (default 15)")
    parser.add_argument("--rounds", type=int, default=12, help="bcrypt cost (default 12, production's)")
    parser.add_argument("--json", type=Path, default=OUT)
    args = parser.parse_args(argv)
    from bench._meta import stamp

    result = {**stamp(), **run(args.runs, args.rounds)}
    print(render(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json}")
    return 0 if result["within_tolerance"] and result["answers_right"] else 1


if __name__ == "__main__":
    sys.exit(main())
