"""`python -m bench`: run every benchmark module in bench/ that has a `main()`, then
`costs`, which writes docs/COSTS.md from their figures, then `report`, which writes
bench/REPORT.md from their bench/out/*.json.

`python -m bench coldstart pdf_render preview` runs only those (add `report` to rewrite the
report). Each runs with its defaults (`main([])`, or `main()` if it takes no argument); for
options run one on its own, e.g. `python -m bench.coldstart --help`.
The figures depend on the machine, so the header says which machine this was.
"""
from __future__ import annotations

import datetime as _dt
import importlib
import inspect
import os
import pkgutil
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REPORT = "report"
# These read what the others wrote: they go last, in this order, whatever the order given.
LAST = ("costs", REPORT)


def header() -> str:
    from bench._meta import cpu_model

    now = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return "\n".join([
        f"date:    {now}",
        f"machine: {platform.machine()}, {cpu_model()}, {os.cpu_count()} cores ({platform.system()} {platform.release()})",
        f"python:  {platform.python_implementation()} {platform.python_version()} ({sys.executable})",
    ])


def bench_modules() -> list[str]:
    """Modules of this package, in name order, except private ones and this one."""
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)])
                  if not m.name.startswith("_") and not m.ispkg)


def _takes_argv(func) -> bool:
    try:
        return bool(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return True


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__.strip())
        print("\nbenchmarks: " + ", ".join(bench_modules()))
        return 0
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    names = argv or bench_modules()
    names = [n for n in names if n not in LAST] + [n for last in LAST for n in names if n == last]
    unknown = [n for n in names if n not in bench_modules()]
    if unknown:
        print(f"no such benchmark: {', '.join(unknown)} (have: {', '.join(bench_modules())})", file=sys.stderr)
        return 2
    print(header(), flush=True)
    failed = []
    ran = 0
    for name in names:
        try:
            module = importlib.import_module(f"bench.{name}")
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others
            print(f"\n== {name}: cannot import\n{traceback.format_exc()}", flush=True)
            failed.append(name)
            continue
        entry = getattr(module, "main", None)
        if not callable(entry):
            continue
        print(f"\n== {name}", flush=True)
        started = time.perf_counter()
        try:
            code = entry([]) if _takes_argv(entry) else entry()
        except SystemExit as exc:  # argparse and friends
            code = exc.code
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            code = 1
        ran += 1
        print(f"== {name}: {'ok' if not code else f'failed ({code})'} in {time.perf_counter() - started:.0f} s",
              flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed or not ran else 0


if __name__ == "__main__":
    sys.exit(main())
