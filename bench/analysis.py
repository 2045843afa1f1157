"""Resume check speed, without a language model: the whole check of one CV
(`chapchap.analysis.jobs.analyse`: the rules, the page estimate and, with a job description,
the keywords) on the two-page sample CV, and on the calibration samples.

Warm: each case twice to warm up, then --runs times in this process; the median wall time
(time.perf_counter) and CPU time (time.process_time, less sensitive to a busy machine).
Cold: a fresh Python process per measurement imports `chapchap.analysis.jobs` (what the
analysis function's handler imports) and runs its first check of the two-page CV; median of
--cold-runs processes. The worker's DynamoDB calls and the queue are not in these figures
(bench/ddb_calls.py counts calls: three GetItem and an UpdateItem).

Output: tables on stdout and bench/out/analysis.json.

    python bench/analysis.py [--runs 50] [--cold-runs 5]
    python -m bench analysis
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers" / "common"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
CASES = (("two_pages", ROOT / "tests" / "fixtures" / "cvs" / "two_pages.json"),
         ("three_pages", ROOT / "tests" / "fixtures" / "cvs" / "three_pages.json"),
         ("stackoverflow-theme-sample", ROOT / "tests" / "fixtures" / "resumes" / "stackoverflow-theme-sample.json"),
         ("weak-responsible-for", ROOT / "tests" / "fixtures" / "resumes" / "weak-responsible-for.json"))
# A job advert of ordinary length (about 250 words): what the keywords step reads.
JOB = " ".join([
    "We are hiring an Accountant for our Dar es Salaam office. You will prepare monthly financial statements,",
    "reconcile bank accounts and mobile money settlements, manage payroll for 120 staff and file tax returns",
    "with TRA. Requirements: a degree in accounting or finance, CPA(T) or ACCA, three years of experience,",
    "strong Excel and QuickBooks skills, experience with Sage or SAP is a plus. Fluent Swahili and English.",
    "Tunatafuta Mhasibu mwenye uzoefu wa kuandaa taarifa za fedha, kusimamia mishahara na kodi.",
] * 3)

COLD_CODE = r"""
import json, sys, time
t0 = time.perf_counter()
from chapchap.analysis import jobs
t1 = time.perf_counter()
content = json.load(open(sys.argv[1], encoding="utf-8"))
t2 = time.perf_counter()
jobs.analyse(content, locale="sw", job_description=sys.argv[2])
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "check": t3 - t2}))
"""


def _layer_on_path() -> None:
    if str(LAYER) not in sys.path:
        sys.path.insert(0, str(LAYER))


def warm(runs: int) -> list[dict]:
    _layer_on_path()
    from chapchap.analysis import jobs, rules

    rows = []
    for name, path in CASES:
        content = json.loads(path.read_text(encoding="utf-8"))
        for job in (None, JOB):
            for _ in range(2):
                outcome = jobs.analyse(content, locale="sw", job_description=job)
            wall, cpu = [], []
            for _ in range(runs):
                w0, c0 = time.perf_counter(), time.process_time()
                outcome = jobs.analyse(content, locale="sw", job_description=job)
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
            rows.append({"cv": name, "job_description": job is not None, "score": outcome["score"],
                         "pages": rules.estimate_pages(content)[0], "findings": len(outcome["findings"]),
                         "wall_ms": statistics.median(wall) * 1000, "cpu_ms": statistics.median(cpu) * 1000,
                         "min_ms": min(wall) * 1000})
    return rows


def cold(runs: int) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(LAYER)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.setdefault("AWS_DEFAULT_REGION", "af-south-1")  # boto3 clients are made lazily; no call is made
    fixture = str(CASES[0][1])
    samples = []
    with tempfile.TemporaryDirectory(prefix="analysis-bench-pyc-") as pyc:
        env["PYTHONPYCACHEPREFIX"] = pyc  # bytecode as a layer ships it, the source tree left clean
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-c", COLD_CODE, fixture, JOB], env=env, check=True, capture_output=True,
                       cwd=str(ROOT))
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-c", COLD_CODE, fixture, JOB], env=env, check=True,
                                 capture_output=True, text=True, cwd=str(ROOT))
            samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {"import_ms": statistics.median(s["import"] for s in samples) * 1000,
            "first_check_ms": statistics.median(s["check"] for s in samples) * 1000,
            "total_ms": statistics.median(s["import"] + s["check"] for s in samples) * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/analysis.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="warm checks per case (median), default 50")
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh processes (median), default 5")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "analysis.json",
                        help="where to write the figures (default bench/out/analysis.json)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.cold_runs < 1:
        parser.error("--runs and --cold-runs must be at least 1")

    rows = warm(args.runs)
    print(f"Warm check without a model (median of {args.runs} after 2 warm-ups; wall = perf_counter, "
          "cpu = process_time)")
    print(f"{'cv':<28} {'job':>4} {'score':>5} {'pages':>5} {'finds':>5} {'wall ms':>8} {'cpu ms':>7} {'min ms':>7}")
    for r in rows:
        print(f"{r['cv']:<28} {'yes' if r['job_description'] else 'no':>4} {r['score']:>5} {r['pages']:>5} "
              f"{r['findings']:>5} {r['wall_ms']:>8.2f} {r['cpu_ms']:>7.2f} {r['min_ms']:>7.2f}")
    first = cold(args.cold_runs)
    print(f"\nCold (fresh process, median of {args.cold_runs}): import chapchap.analysis.jobs "
          f"{first['import_ms']:.0f} ms, first check of two_pages with a job description "
          f"{first['first_check_ms']:.1f} ms, total {first['total_ms']:.0f} ms")

    from bench._meta import stamp

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({**stamp(), "runs": args.runs, "cold_runs": args.cold_runs, "warm": rows,
                                     "cold": first}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
