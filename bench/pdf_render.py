"""PDF rendering speed: chapchap.pdf.render_cv per layout and sample CV.

Warm: in this process, each (fixture, layout) is rendered twice to warm up (fonts parsed,
caches filled), then --runs times; the table gives the median wall time
(time.perf_counter) and the median CPU time of this process (time.process_time, less
sensitive to other load on a shared machine), plus pages and size.

Cold: a fresh Python process per measurement (like a Lambda cold start; bytecode
compiled beforehand into a private PYTHONPYCACHEPREFIX, as a layer ships .pyc) times
`import chapchap.pdf` and then its first render of the two-page CV; median of --cold-runs
processes per layout.

Output: tables on stdout and bench/out/pdf_render.json.

    python bench/pdf_render.py [--runs 15] [--cold-runs 5]
    python -m bench pdf_render
"""
from __future__ import annotations

import argparse
import io
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
FIXTURES = ROOT / "tests" / "fixtures" / "cvs"
FIXTURE_NAMES = ("one_page", "two_pages", "three_pages")

COLD_CODE = r"""
import json, sys, time
t0 = time.perf_counter()
from chapchap.pdf import render_cv
t1 = time.perf_counter()
content = json.load(open(sys.argv[1], encoding="utf-8"))
t2 = time.perf_counter()
pdf = render_cv(content, layout=sys.argv[2])
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "render": t3 - t2, "bytes": len(pdf)}))
"""


def _layer_on_path() -> None:
    if str(LAYER) not in sys.path:
        sys.path.insert(0, str(LAYER))


def _pages(pdf: bytes) -> int | str:
    try:
        from pypdf import PdfReader
    except ImportError:  # pypdf is a dev dependency only
        return "?"
    return len(PdfReader(io.BytesIO(pdf)).pages)


def warm(runs: int) -> list[dict]:
    _layer_on_path()
    from chapchap.pdf import LAYOUTS, render_cv

    rows = []
    for name in FIXTURE_NAMES:
        content = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
        for layout in LAYOUTS:
            for _ in range(2):
                pdf = render_cv(content, layout=layout)
            wall, cpu = [], []
            for _ in range(runs):
                w0, c0 = time.perf_counter(), time.process_time()
                pdf = render_cv(content, layout=layout)
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
            rows.append({
                "fixture": name, "layout": layout, "pages": _pages(pdf), "bytes": len(pdf),
                "wall_ms": statistics.median(wall) * 1000, "cpu_ms": statistics.median(cpu) * 1000,
                "min_ms": min(wall) * 1000,
            })
    return rows


def cold(runs: int) -> list[dict]:
    _layer_on_path()
    from chapchap.pdf import LAYOUTS

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(LAYER)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    fixture = str(FIXTURES / "two_pages.json")
    rows = []
    with tempfile.TemporaryDirectory(prefix="pdf-bench-pyc-") as pyc:
        # bytecode in a private cache (the source tree stays clean), written by one
        # discarded run: the layer is shipped with .pyc
        env["PYTHONPYCACHEPREFIX"] = pyc
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-c", COLD_CODE, fixture, "classic"], env=env, check=True,
                       capture_output=True, cwd=str(ROOT))
        for layout in LAYOUTS:
            samples = []
            for _ in range(runs):
                out = subprocess.run([sys.executable, "-c", COLD_CODE, fixture, layout], env=env, check=True,
                                     capture_output=True, text=True, cwd=str(ROOT))
                samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
            rows.append(_cold_row(layout, samples))
    return rows


def _cold_row(layout: str, samples: list[dict]) -> dict:
    imp = statistics.median(s["import"] for s in samples) * 1000
    ren = statistics.median(s["render"] for s in samples) * 1000
    tot = statistics.median(s["import"] + s["render"] for s in samples) * 1000
    return {"layout": layout, "import_ms": imp, "first_render_ms": ren, "total_ms": tot}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/pdf_render.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="warm renders per case (median), default 15")
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh processes per layout (median), default 5")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "pdf_render.json",
                        help="where to write the figures (default bench/out/pdf_render.json)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.cold_runs < 1:
        parser.error("--runs and --cold-runs must be at least 1")

    warm_rows = warm(args.runs)
    print(f"Warm render (median of {args.runs} after 2 warm-ups; wall = perf_counter, cpu = process_time)")
    print(f"{'fixture':<12} {'layout':<8} {'pages':>5} {'KiB':>6} {'wall ms':>8} {'cpu ms':>7} {'min ms':>7}")
    for r in warm_rows:
        print(f"{r['fixture']:<12} {r['layout']:<8} {r['pages']:>5} {r['bytes'] / 1024:>6.0f} "
              f"{r['wall_ms']:>8.1f} {r['cpu_ms']:>7.1f} {r['min_ms']:>7.1f}")

    cold_rows = cold(args.cold_runs)
    print(f"\nCold start (fresh process, median of {args.cold_runs}): import chapchap.pdf, then first render of two_pages")
    print(f"{'layout':<8} {'import ms':>10} {'render ms':>10} {'total ms':>9}")
    for r in cold_rows:
        print(f"{r['layout']:<8} {r['import_ms']:>10.0f} {r['first_render_ms']:>10.0f} {r['total_ms']:>9.0f}")

    from bench._meta import stamp

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({**stamp(), "runs": args.runs, "cold_runs": args.cold_runs,
                                     "warm": warm_rows, "cold": cold_rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
