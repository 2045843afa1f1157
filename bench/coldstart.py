"""Cold start of every function in template.yaml: the import of its handler module and the
creation of its first DynamoDB client, against `import boto3; boto3.client("dynamodb")`.

Lambda's cold start, after the runtime itself, is the import of the handler module and
whatever that module does at import time; the first request then creates the clients it
needs (chapchap creates them lazily). Like with like: for each function of template.yaml
(read with local.template, so functions come and go without touching this file), a fresh
Python process like Lambda's (sys.path = the function code, then its layers; the Globals
environment with fake resource names; dummy credentials; no network) times
`importlib.import_module(handler module)`, the `getattr` of the handler and
`chapchap.data.table.client()` (the DynamoDB client every function's first request
creates) with time.perf_counter, inside the process. The baseline, `import boto3;
boto3.client("dynamodb")`, is timed the same way and ends in the same state: boto3
imported, one DynamoDB client. S3/SQS clients or the Selcom session that a few functions
create later in their first request are not counted (the baseline has none either).
Every target runs in one invocation, round-robin, so all share the machine's load.
Figures are medians of --runs processes.

Two honest differences from this machine's venv, both on by default:

- Packages that are in the venv but would not be on Lambda (neither in the python3.13
  runtime, which brings boto3, nor in a layer's requirements.txt, e.g. awscrt or
  cryptography pulled in by dev tools) are hidden: an import of them fails as on Lambda.
  `--no-hide` turns this off. The modules a function tried to import are reported.
- The default run uses warm bytecode caches (.pyc written by a first, discarded run).
  `--no-pyc` adds a second measurement without bytecode for what the deployment package
  ships (layer packages, chapchap, function code): PYTHONDONTWRITEBYTECODE=1 and a fresh
  PYTHONPYCACHEPREFIX holding bytecode only for what the Lambda runtime precompiles (the
  standard library, and boto3 with its dependencies unless a layer ships its own copy).
  That is the Lambda situation when a layer is deployed without .pyc.

`python -X importtime` (one run per function, warm) names the heaviest imports: the
third-party modules our own code imports directly, by cumulative time, and the packages
with the most import time of their own.

Output: plain-text tables on stdout, and bench/out/coldstart.json.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import importlib.metadata as _md
import json
import os
import platform
import py_compile
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from local.template import Function, Resolver, Template, global_environment, load_template  # noqa: E402

OUT_DIR = ROOT / "bench" / "out"
REGION = "af-south-1"
BASELINE_CODE = 'import boto3; boto3.client("dynamodb")'
# What every function's first request does before its first DynamoDB call: create the
# table's client (chapchap.data.table creates it lazily, on first use). Timed after the
# handler's import, so a function and the baseline both end with one DynamoDB client.
FIRST_CLIENT_CODE = "from chapchap.data import table; table.client()"
# What the Lambda python runtime brings besides the standard library.
RUNTIME_REQUIREMENTS = ["boto3"]

# Modules worth knowing about when an API function loads them (import name -> why).
WATCH = {
    "fpdf": "fpdf2 (PDF rendering only)",
    "PIL": "Pillow (PDF/images only)",
    "fontTools": "fontTools (PDF fonts only)",
    "chapchap.pdf": "chapchap.pdf (PDF function only)",
    "email_validator": "email-validator (pydantic EmailStr)",
    "aws_xray_sdk": "X-Ray SDK",
    "aws_lambda_powertools.tracing": "Powertools Tracer",
    "boto3.dynamodb.table": "boto3 resource layer (Table)",
    "requests": "requests (outbound HTTP)",
    "bcrypt": "bcrypt (password paths only)",
    "jwt": "PyJWT",
    "pydantic": "pydantic",
    "aws_lambda_powertools.event_handler.openapi": "Powertools OpenAPI validation",
}

# Runs in the fresh process. Imports nothing before the timed import but sys, time and
# importlib (already loaded at start-up), so the handler's own imports are all counted.
# argv: kind (module|code), target, path entries (newline-separated), hidden top-level names (,),
# code run after a module's import (its first client).
def _child_source() -> str:
    return r'''
import sys, time, importlib
kind, target, paths, hidden, then = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
hidden = frozenset(h for h in hidden.split(",") if h)
tried = []


class _NotOnLambda:
    """Makes a package that Lambda would not have fail to import, as it would there."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if path is None and name in hidden:
            tried.append(name)
            raise ModuleNotFoundError("No module named %r (hidden: not on Lambda)" % name, name=name)
        return None


if hidden:
    sys.meta_path.insert(0, _NotOnLambda)
sys.path[:] = [p for p in paths.split("\n") if p] + [p for p in sys.path if p not in ("", ".")]
before = len(sys.modules)
sys.stderr.write("@@START@@\n"); sys.stderr.flush()
t0 = time.perf_counter()
if kind == "module":
    module_name, _, attr = target.rpartition(".")
    handler = getattr(importlib.import_module(module_name), attr)
    if then:
        exec(compile(then, "<first client>", "exec"), {})
else:
    exec(compile(target, "<baseline>", "exec"), {})
t1 = time.perf_counter()
sys.stderr.write("@@END@@\n"); sys.stderr.flush()

import json
files = sorted({getattr(m, "__file__", None) or "" for m in list(sys.modules.values())} - {""})
print("@@RESULT@@" + json.dumps({
    "ms": (t1 - t0) * 1000.0,
    "modules_loaded": len(sys.modules) - before,
    "module_names": sorted(sys.modules),
    "files": files,
    "hidden_tried": sorted(set(tried)),
}))
'''


# ---------------------------------------------------------------- environment
class _FakeResource(dict):
    """Physical ids for the resolver: any attribute of a resource resolves to a fake name."""

    def __init__(self, logical_id: str):
        super().__init__(Ref=f"cvchapchap-bench-{logical_id.lower()}")
        self.logical_id = logical_id

    def __missing__(self, attr: str) -> str:
        return f"arn:aws:bench:{REGION}:123456789012:{self.logical_id.lower()}/{attr}"


def child_environment(template: Template) -> dict[str, str]:
    """The Globals environment with fake resource names, dummy credentials, no network."""
    physical = {lid: _FakeResource(lid) for lid in template.raw.get("Resources", {})}
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
    env.update(global_environment(template, Resolver(template, physical, REGION)))
    nowhere = str(Path(tempfile.gettempdir()) / "cvchapchap-bench-no-aws-config")
    env.update({
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": nowhere, "AWS_SHARED_CREDENTIALS_FILE": nowhere,
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONNOUSERSITE": "1",
    })
    return env


def layer_dirs(template: Template, fn: Function) -> list[Path]:
    dirs = list(getattr(fn, "layers", None) or [])
    if not dirs:  # an older local.template without Function.layers: every layer of the template
        base = ROOT
        for res in template.resources_of("AWS::Serverless::LayerVersion").values():
            uri = res.get("Properties", {}).get("ContentUri")
            if isinstance(uri, str):
                dirs.append(base / uri)
    return dirs


def sys_path_of(template: Template, fn: Function | None) -> list[str]:
    """Like Lambda: the function's code (/var/task), then its layers (/opt/python)."""
    if fn is None:
        return []
    return [str(fn.code_uri)] + [str(d) for d in layer_dirs(template, fn)]


def first_party_names(template: Template) -> set[str]:
    """Top-level names of our own code: what is in functions/ and in the layers' folders."""
    names: set[str] = set()
    dirs = {fn.code_uri for fn in template.functions.values()}
    for fn in template.functions.values():
        dirs.update(layer_dirs(template, fn))
    for d in dirs:
        if d.is_dir():
            for entry in d.iterdir():
                if entry.is_dir() and not entry.name.startswith((".", "__")):
                    names.add(entry.name)
                elif entry.suffix == ".py":
                    names.add(entry.stem)
    return names


# ---------------------------------------------------------------- what Lambda has
def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(requirements: list[str]) -> set[str]:
    """Distributions installed by these requirements (with markers evaluated, no extras)."""
    try:
        from packaging.requirements import Requirement
    except ImportError:  # no `packaging` (it comes with pip's tooling): hide nothing
        return set()

    seen: set[str] = set()
    todo = list(requirements)
    while todo:
        try:
            req = Requirement(todo.pop())
        except Exception:  # noqa: BLE001 - a line we cannot parse is not ours to judge
            continue
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = _norm(req.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            todo.extend(_md.distribution(req.name).requires or [])
        except _md.PackageNotFoundError:
            pass
    return seen


def _requirements_of(dirs: list[Path]) -> list[str]:
    lines = []
    for d in dirs:
        req = d / "requirements.txt"
        if req.is_file():
            for line in req.read_text().splitlines():
                line = line.split("#", 1)[0].strip()
                if line and not line.startswith("-"):
                    lines.append(line)
    return lines


def lambda_packages(template: Template) -> tuple[set[str], set[str]]:
    """(distributions a layer ships, distributions only the runtime brings)."""
    dirs: set[Path] = set()
    for fn in template.functions.values():
        dirs.update(layer_dirs(template, fn))
    layer = _closure(_requirements_of(sorted(dirs)))
    runtime = _closure(RUNTIME_REQUIREMENTS) - layer
    return layer, runtime


def hidden_modules(template: Template) -> list[str]:
    """Top-level modules installed here whose distributions would not be on Lambda."""
    layer, runtime = lambda_packages(template)
    allowed = layer | runtime
    if not allowed:  # could not tell what Lambda has
        return []
    stdlib = set(getattr(sys, "stdlib_module_names", ()))
    ours = first_party_names(template)
    hidden = set()
    for top, dists in _md.packages_distributions().items():
        if top in stdlib or top in ours or top.startswith("__") or not top.isidentifier():
            continue
        if not any(_norm(d) in allowed for d in dists):
            hidden.add(top)
    return sorted(hidden)


def runtime_precompiled_files(runtime: set[str]) -> set[str]:
    files = set()
    for name in runtime:
        try:
            dist = _md.distribution(name)
        except _md.PackageNotFoundError:
            continue
        for f in dist.files or []:
            if f.suffix == ".py":
                files.add(str(Path(dist.locate_file(f)).resolve()))
    return files


def build_pycache_prefix(prefix: Path, sources: set[str]) -> int:
    """Bytecode in `prefix` (a PYTHONPYCACHEPREFIX tree) for these source files."""
    old = sys.pycache_prefix
    sys.pycache_prefix = str(prefix)
    count = 0
    try:
        import importlib.util

        for src in sorted(sources):
            if not src.endswith(".py") or not os.path.isfile(src):
                continue
            try:
                py_compile.compile(src, cfile=importlib.util.cache_from_source(src), doraise=True)
                count += 1
            except (py_compile.PyCompileError, OSError):
                pass
    finally:
        sys.pycache_prefix = old
    return count


def _stdlib_dirs() -> list[str]:
    paths = sysconfig.get_paths()
    return sorted({str(Path(paths[k]).resolve()) for k in ("stdlib", "platstdlib") if k in paths})


# ---------------------------------------------------------------- running
class ChildError(RuntimeError):
    pass


def run_child(kind: str, target: str, paths: list[str], hidden: list[str], env: dict[str, str],
              cwd: Path, extra_args: tuple[str, ...] = ()) -> tuple[dict, str]:
    cmd = [sys.executable, "-s", *extra_args, "-c", _child_source(), kind, target,
           "\n".join(paths), ",".join(hidden), FIRST_CLIENT_CODE if kind == "module" else ""]
    proc = subprocess.run(cmd, env=env, cwd=str(cwd), capture_output=True, text=True, timeout=300)
    marker = next((line for line in proc.stdout.splitlines() if line.startswith("@@RESULT@@")), None)
    if proc.returncode != 0 or marker is None:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ChildError(tail)
    return json.loads(marker[len("@@RESULT@@"):]), proc.stderr


def measure_all(targets: dict[str, tuple[str, str, list[str]]], hidden: list[str], env: dict[str, str],
                cwd: Path, runs: int, no_pyc_prefix: Path | None = None) -> dict[str, dict]:
    """Median over `runs` fresh processes per target: key -> figures, or {"error": ...}.

    Runs go round-robin over the targets, so a burst of load on the machine hits every
    target alike rather than one function's seven runs. In the warm mode a first pass,
    discarded, writes the .pyc and warms the file cache.
    """
    env = dict(env)
    if no_pyc_prefix is not None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = str(no_pyc_prefix)
    times: dict[str, list[float]] = {k: [] for k in targets}
    last: dict[str, dict] = {}
    errors: dict[str, str] = {}
    passes = runs if no_pyc_prefix is not None else runs + 1
    for n in range(passes):
        for key, (kind, target, paths) in targets.items():
            if key in errors:
                continue
            try:
                last[key], _stderr = run_child(kind, target, paths, hidden, env, cwd)
            except ChildError as exc:
                errors[key] = str(exc)
                continue
            if no_pyc_prefix is not None or n > 0:
                times[key].append(last[key]["ms"])
    out: dict[str, dict] = {}
    for key in targets:
        if key in errors:
            out[key] = {"error": errors[key]}
            continue
        t = times[key]
        out[key] = {"median_ms": statistics.median(t), "min_ms": min(t), "max_ms": max(t),
                    "runs_ms": [round(x, 2) for x in t], "modules_loaded": last[key]["modules_loaded"],
                    "last": last[key]}
    return out


# ---------------------------------------------------------------- -X importtime
_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)\s*$")


def parse_importtime(stderr: str, first_party: set[str], top_label: str) -> dict:
    """Heaviest imports of the measured code, from `python -X importtime` output.

    Only the rows between the child's start and end markers count (not the interpreter's
    start-up). The output is in post-order (a module's row follows its children's), depth
    shown by indentation; depth-0 rows are imported by the measured code itself (the
    handler module: importlib.import_module's own module gets no row).
    """
    rows, inside = [], False
    for line in stderr.splitlines():
        if line.startswith(("@@START@@", "@@END@@")):
            inside = line.startswith("@@START@@")
            continue
        m = _IMPORTTIME.match(line)
        if m and inside:
            rows.append((int(m.group(1)), int(m.group(2)), len(m.group(3)) // 2, m.group(4)))

    def ours(name: str | None) -> bool:
        return name is not None and name.split(".")[0] in first_party

    # parent of each row: scanning backwards (pre-order), the last row seen one level up
    parents: list[str | None] = [None] * len(rows)
    level: dict[int, str] = {}
    for i in range(len(rows) - 1, -1, -1):
        depth, name = rows[i][2], rows[i][3]
        parents[i] = level.get(depth - 1) if depth else None
        level[depth] = name

    boundary = []
    for (self_us, cum_us, _depth, name), parent in zip(rows, parents):
        if not ours(name) and (parent is None or ours(parent)):
            boundary.append({"module": name, "cumulative_ms": cum_us / 1000, "self_ms": self_us / 1000,
                             "imported_by": parent or top_label})
    boundary.sort(key=lambda b: -b["cumulative_ms"])
    packages: dict[str, float] = {}
    for self_us, _cum, _depth, name in rows:
        top = name.split(".")[0]
        packages[top] = packages.get(top, 0.0) + self_us / 1000
    return {
        "top_imports": boundary[:5],
        "top_packages": [{"package": k, "self_ms": v} for k, v in
                         sorted(packages.items(), key=lambda kv: -kv[1])[:5]],
        "total_ms": sum(packages.values()),
    }


def importtime(kind: str, target: str, paths: list[str], hidden: list[str], env: dict[str, str],
               cwd: Path, first_party: set[str]) -> dict:
    _result, stderr = run_child(kind, target, paths, hidden, env, cwd, ("-X", "importtime"))
    label = target.rpartition(".")[0] if kind == "module" else "(baseline code)"
    return parse_importtime(stderr, first_party, label)


# ---------------------------------------------------------------- report
def route_of(fn: Function) -> str:
    parts = []
    for ev in (fn.events or {}).values():
        props = ev.get("Properties", {}) or {}
        kind = ev.get("Type", "?")
        if kind in ("HttpApi", "Api"):
            parts.append(f"{str(props.get('Method', 'ANY')).upper()} {props.get('Path', '')}")
        elif kind == "SQS":
            q = props.get("Queue")
            ref = (q.get("Fn::GetAtt") or [q.get("Ref", "?")])[0] if isinstance(q, dict) else q
            parts.append(f"SQS {ref}")
        elif kind in ("Schedule", "ScheduleV2"):
            parts.append(f"{kind} {props.get('Schedule') or props.get('ScheduleExpression', '')}")
        else:
            parts.append(kind)
    return ", ".join(parts) or "(no event)"


def machine_info() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"machine": platform.machine(), "cpu": cpu or "unknown", "cores": os.cpu_count(),
            "python": platform.python_version(), "implementation": platform.python_implementation(),
            "system": f"{platform.system()} {platform.release()}"}


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)])


def render(result: dict) -> str:
    out = []
    modes = [("warm", "warm bytecode cache (.pyc present, the normal case)")]
    if result.get("no_pyc"):
        modes.append(("no_pyc", "no-pyc: no .pyc for the layer's packages, chapchap and the function code; the standard "
                                "library and the runtime's boto3 keep theirs (Lambda with a layer shipped without .pyc)"))
    base = result["baseline"]
    headers = ["function", "route/event", "median ms", "min ms", "x baseline", "modules"]
    if result.get("no_pyc"):
        headers += ["no-pyc ms", "x baseline", "no-pyc/warm"]
    rows = []
    for f in result["functions"]:
        if f.get("error"):
            rows.append([f["function"], f["route"], "error", "", "", ""] + (["", "", ""] if result.get("no_pyc") else []))
            continue
        w = f["warm"]
        row = [f["function"], f["route"], f"{w['median_ms']:.1f}", f"{w['min_ms']:.1f}", f"{f['ratio']:.2f}",
               str(w["modules_loaded"])]
        if result.get("no_pyc"):
            n = f.get("no_pyc") or {}
            if n:
                row += [f"{n['median_ms']:.1f}", f"{f['ratio_no_pyc']:.2f}", f"{n['median_ms'] / w['median_ms']:.1f}"]
            else:
                row += ["error", "", ""]
        rows.append(row)
    brow = ["(baseline)", BASELINE_CODE, f"{base['warm']['median_ms']:.1f}", f"{base['warm']['min_ms']:.1f}", "1.00",
            str(base["warm"]["modules_loaded"])]
    if result.get("no_pyc"):
        bn = base.get("no_pyc") or {}
        brow += [f"{bn.get('median_ms', 0):.1f}", "1.00",
                 f"{bn.get('median_ms', 0) / base['warm']['median_ms']:.1f}" if bn else ""]
    rows.append(brow)
    out.append(f"Cold start: import of the handler module + getattr(handler) + its first DynamoDB client, median of {result['runs']} fresh "
               f"processes, {result['python']} ({sys.executable})")
    for _key, text in modes:
        out.append(f"  - {text}")
    load = result.get("load_average") or {}
    if load:
        out.append(f"  - load average (1 min) {load.get('start', 0):.2f} at the start, {load.get('end', 0):.2f} at the end, "
                   f"{result.get('cores')} cores: above about half the cores, figures are noisy (compare min ms)")
    if result.get("hidden"):
        out.append(f"  - hidden as absent on Lambda: {', '.join(result['hidden_tried_any']) or 'none tried'} "
                   f"(of {len(result['hidden'])} venv-only packages; --no-hide to keep them)")
    out.append("")
    out.append(_table(headers, rows, right={2, 3, 4, 5, 6, 7, 8}))
    for f in result["functions"]:
        if f.get("error"):
            out.append(f"\n{f['function']}: ERROR {f['error']}")
    out.append("")
    if not any(f.get("importtime") for f in result["functions"]):
        return "\n".join(out)
    out.append("Heaviest imports (python -X importtime, one warm run; cumulative ms of each third-party "
               "module our code imports directly, then the packages with the most import time of their own)")
    for f in result["functions"] + [dict(result["baseline"], function="(baseline)")]:
        it = f.get("importtime")
        if not it:
            continue
        out.append(f"\n{f['function']}  ({it['total_ms']:.0f} ms under -X importtime)")
        for b in it["top_imports"]:
            out.append(f"  {b['cumulative_ms']:8.1f} ms  {b['module']:<45} <- {b['imported_by']}")
        out.append("  packages: " + ", ".join(f"{p['package']} {p['self_ms']:.0f}" for p in it["top_packages"]))
        if f.get("watch_loaded"):
            out.append("  loaded: " + "; ".join(f.get("watch_loaded")))
        if f.get("hidden_tried"):
            out.append("  tried (absent on Lambda): " + ", ".join(f["hidden_tried"]))
    return "\n".join(out)


def _watch(names: list[str]) -> list[str]:
    present = set(names)
    return [why for mod, why in WATCH.items() if mod in present]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.coldstart", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="processes per function (median), default 7")
    parser.add_argument("--no-pyc", action="store_true",
                        help="also measure without bytecode for the layer and function code")
    parser.add_argument("--no-hide", action="store_true",
                        help="let the import see venv-only packages that Lambda would not have")
    parser.add_argument("--no-importtime", action="store_true", help="skip the -X importtime run")
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--only", action="append", default=[], metavar="LOGICAL_ID",
                        help="measure only this function (repeatable)")
    parser.add_argument("--json", type=Path, default=OUT_DIR / "coldstart.json")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    template = load_template(args.template)
    env = child_environment(template)
    first_party = first_party_names(template)
    hidden = [] if args.no_hide else hidden_modules(template)
    _layer, runtime = lambda_packages(template)
    functions = [fn for lid, fn in template.functions.items() if not args.only or lid in args.only]
    any_fn = next(iter(template.functions.values()), None)
    base_paths = sys_path_of(template, any_fn)  # same path shape as the functions
    cwd = Path(any_fn.code_uri) if any_fn and Path(any_fn.code_uri).is_dir() else ROOT

    info = machine_info()
    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    result: dict = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        **info,
        "python": f"Python {info['python']}",
        "executable": sys.executable,
        "runs": args.runs,
        "no_pyc": args.no_pyc,
        "hidden": hidden,
        "baseline": {"code": BASELINE_CODE},
        "first_client": FIRST_CLIENT_CODE,
        "functions": [],
    }
    print(f"measuring {len(functions)} functions + baseline, {args.runs} runs each"
          f"{' (and without .pyc)' if args.no_pyc else ''}...", file=sys.stderr, flush=True)

    base = result["baseline"]
    targets = {"(baseline)": ("code", BASELINE_CODE, base_paths)}
    for fn in functions:
        targets[fn.logical_id] = ("module", fn.handler, sys_path_of(template, fn))
    warm = measure_all(targets, hidden, env, cwd, args.runs)
    if "error" in warm["(baseline)"]:
        print(f"the baseline failed: {warm['(baseline)']['error']}", file=sys.stderr)
        return 1
    base["warm"] = warm["(baseline)"]
    loaded_files: set[str] = set(base["warm"]["last"]["files"])
    for fn in functions:
        entry: dict = {"function": fn.logical_id, "handler": fn.handler, "route": route_of(fn)}
        result["functions"].append(entry)
        figures = warm[fn.logical_id]
        if "error" in figures:
            entry["error"] = figures["error"]
            continue
        loaded_files.update(figures["last"]["files"])
        entry["warm"] = figures
        entry["ratio"] = figures["median_ms"] / base["warm"]["median_ms"]
        entry["watch_loaded"] = _watch(figures["last"]["module_names"])
        entry["hidden_tried"] = figures["last"]["hidden_tried"]
        if not args.no_importtime:
            entry["importtime"] = importtime("module", fn.handler, sys_path_of(template, fn), hidden, env, cwd,
                                             first_party)
    if not args.no_importtime:
        base["importtime"] = importtime("code", BASELINE_CODE, base_paths, hidden, env, cwd, first_party)

    if args.no_pyc:
        # Bytecode only for what the Lambda runtime precompiles: the standard library and the
        # runtime's boto3 family (unless a layer ships its own copy, which then comes first).
        stdlib = tuple(d + os.sep for d in _stdlib_dirs())
        site = tuple(str(Path(p).resolve()) + os.sep for p in
                     {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
        precompiled = {f for f in loaded_files if f.startswith(stdlib) and not f.startswith(site)}
        precompiled |= runtime_precompiled_files(runtime) & {str(Path(f).resolve()) for f in loaded_files}
        prefix = Path(tempfile.mkdtemp(prefix="cvchapchap-pycache-"))
        try:
            result["no_pyc_precompiled_files"] = build_pycache_prefix(prefix, precompiled)
            result["no_pyc_runtime_packages"] = sorted(runtime)
            ok = {k: v for k, v in targets.items() if "error" not in warm[k]}
            cold = measure_all(ok, hidden, env, cwd, args.runs, prefix)
        finally:
            shutil.rmtree(prefix, ignore_errors=True)
        if "error" in cold["(baseline)"]:
            base["no_pyc_error"] = cold["(baseline)"]["error"]
        else:
            base["no_pyc"] = cold["(baseline)"]
        for entry in result["functions"]:
            figures = cold.get(entry["function"])
            if figures is None:
                continue
            if "error" in figures or "no_pyc" not in base:
                entry["no_pyc_error"] = figures.get("error", "no baseline")
                continue
            entry["no_pyc"] = figures
            entry["ratio_no_pyc"] = figures["median_ms"] / base["no_pyc"]["median_ms"]

    if hasattr(os, "getloadavg"):
        result["load_average"] = {"start": load_start, "end": os.getloadavg()[0]}
    tried = set(base["warm"]["last"]["hidden_tried"])
    for f in result["functions"]:
        tried.update(f.get("hidden_tried") or [])
    result["hidden_tried_any"] = sorted(tried)

    print(render(result))
    # The JSON keeps figures, not the long module and file lists of the last run.
    for item in [base, *result["functions"]]:
        for mode in ("warm", "no_pyc"):
            (item.get(mode) or {}).pop("last", None)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json}")
    return 0 if not any(f.get("error") for f in result["functions"]) else 1


if __name__ == "__main__":
    sys.exit(main())
