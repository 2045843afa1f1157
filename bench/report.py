"""bench/REPORT.md from the figures in bench/out/*.json: when, on which machine, how to
reproduce each table, then one section per benchmark.

`python -m bench` runs it last, after the benchmarks; on its own
(`python -m bench.report`) it rewrites the report from the JSON already there. A
benchmark whose JSON is missing gets a line saying how to produce it.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
REPORT = ROOT / "bench" / "REPORT.md"
PY = ".venv/bin/python"
COMMANDS = {
    "coldstart": f"{PY} -m bench coldstart",
    "ddb_calls": f"{PY} -m bench ddb_calls",
    "pdf_render": f"{PY} -m bench pdf_render",
    "preview": f"{PY} -m bench preview",
    "analysis": f"{PY} -m bench analysis",
    "rollup": f"{PY} -m bench rollup",
    "load": f"{PY} -m bench load",
    "login_timing": f"{PY} -m bench login_timing",
    "scale": f"{PY} -m bench.load --scale --seconds 30",
}


def table(head: list[str], rows: list[list[Any]], right: set[int] = frozenset()) -> str:
    align = ["---:" if i in right else "---" for i in range(len(head))]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_line(data: dict[str, Any]) -> str:
    return (f"{data.get('machine', '?')}, {data.get('cpu', '?')}, {data.get('cores', '?')} cores, "
            f"{data.get('system', '?')}, {data.get('python', '?')}")


def same_machine(data: dict[str, Any]) -> tuple:
    """What makes figures comparable (not how a benchmark spelled the Python version)."""
    return tuple(data.get(k) for k in ("machine", "cpu", "cores", "system"))


def ran_at(data: dict[str, Any]) -> str:
    return f"Ran {data.get('date', 'at an unrecorded time')}."


# ---------------------------------------------------------------- sections
def coldstart_summary(data: dict[str, Any]) -> dict[str, Any]:
    ok = [f for f in data["functions"] if f.get("warm")]
    medians = [f["warm"]["median_ms"] for f in ok]
    ratios = [f["ratio"] for f in ok]
    return {"functions": len(data["functions"]), "measured": len(ok),
            "baseline_ms": data["baseline"]["warm"]["median_ms"],
            "min_ms": min(medians), "max_ms": max(medians), "median_ms": statistics.median(medians),
            "fastest_min_ms": min(f["warm"]["min_ms"] for f in ok),
            "fastest_max_ms": max(f["warm"]["min_ms"] for f in ok),
            "baseline_min_ms": data["baseline"]["warm"]["min_ms"],
            "min_ratio": min(ratios), "max_ratio": max(ratios)}


def coldstart(data: dict[str, Any]) -> str:
    s = coldstart_summary(data)
    rows = [[f"`{f['function']}`", f["route"], f"{f['warm']['median_ms']:.0f}", f"{f['warm']['min_ms']:.0f}",
             f"{f['ratio']:.2f}", f["warm"]["modules_loaded"]] if f.get("warm")
            else [f"`{f['function']}`", f["route"], "error", "", "", ""] for f in data["functions"]]
    base = data["baseline"]["warm"]
    rows.append(["(baseline)", f"`{data['baseline']['code']}`", f"{base['median_ms']:.0f}", f"{base['min_ms']:.0f}",
                 "1.00", base["modules_loaded"]])
    load = data.get("load_average") or {}
    return "\n".join([
        f"Import of each handler module, `getattr(handler)` and its first DynamoDB client "
        f"(`{data.get('first_client', 'not measured: an older run')}`) in a fresh process, against the baseline "
        f"`{data['baseline']['code']}`, all in one run (round-robin, same machine load); median of {data['runs']} "
        f"processes, warm bytecode; packages Lambda would not have are hidden. {ran_at(data)}",
        "",
        f"**{s['measured']} of {s['functions']} functions: {s['min_ms']:.0f}-{s['max_ms']:.0f} ms "
        f"(median {s['median_ms']:.0f} ms), {s['min_ratio']:.2f}-{s['max_ratio']:.2f}x the baseline "
        f"({s['baseline_ms']:.0f} ms).** Fastest run of each: {s['fastest_min_ms']:.0f}-{s['fastest_max_ms']:.0f} ms "
        f"(baseline {s['baseline_min_ms']:.0f} ms)."
        + (f" Load average {load.get('start', 0):.2f} at the start, {load.get('end', 0):.2f} at the end "
           f"({data.get('cores')} cores)." if load else ""),
        "",
        table(["function", "route / event", "median ms", "min ms", "x baseline", "modules"], rows, {2, 3, 4, 5}),
    ])


def calls_text(calls: dict[str, int]) -> str:
    """`BatchGetItem 1, Query 1 = 2`."""
    if not calls:
        return "none"
    parts = ", ".join(f"{op} {n}" for op, n in calls.items())
    total = sum(calls.values())
    return parts if len(calls) == 1 and total == 1 else f"{parts} = {total}"


def ddb_calls_summary(data: dict[str, Any]) -> dict[str, Any]:
    http = [r for r in data["endpoints"] if r["kind"] == "http"]
    totals = [r["total"] for r in http]
    return {"http_routes": len(http), "others": len(data["endpoints"]) - len(http),
            "min": min(totals), "max": max(totals), "median": statistics.median(totals),
            "all_ok": data["all_ok"], "none_grows": data["none_grows"], "sizes": data["sizes"],
            "fewer_when_larger": [r["endpoint"] for r in data["endpoints"] if not r.get("walks")
                                  and len(set(v["total"] for v in r["by_size"].values())) > 1],
            "walkers": [r["endpoint"] for r in data["endpoints"] if r.get("walks")]}


def ddb_calls(data: dict[str, Any]) -> str:
    s = ddb_calls_summary(data)
    sizes = data["sizes"]
    rows = [[f"`{r['endpoint']}`", r["status"], calls_text(r["calls"])]
            + [r["by_size"][str(n)]["total"] for n in sizes] for r in data["endpoints"]]
    smaller = (f" Fewer calls with the larger table (a page fills from the first partition it reads): "
               f"{', '.join(f'`{e}`' for e in s['fewer_when_larger'])}." if s["fewer_when_larger"] else "")
    if s["walkers"]:
        smaller += (f" The operator backfills ({', '.join(f'`{e}`' for e in s['walkers'])}) walk every item of "
                    "the months they are given, so their calls follow the data, as they must.")
    return "\n".join([
        "Each sample event of `events/` through its real handler against moto (API Gateway v2 events for the "
        "HTTP routes), placeholders filled with real entities as `tests/unit/test_events.py` does; an event that "
        "consumes what it acts on gets a fresh one. Calls by operation for the smallest table; one column per "
        f"run with that many extra users and CVs (and their payments) in the current month. {ran_at(data)}",
        "",
        f"**{s['http_routes']} HTTP routes: {s['min']}-{s['max']} calls per request (median {s['median']:g}), "
        f"all {'successful' if s['all_ok'] else 'NOT successful'}; "
        f"{'no endpoint makes more calls' if s['none_grows'] else 'SOME endpoints make more calls'} with "
        f"{sizes[-1]:,} extra users/CVs than with {sizes[0]:,}.**{smaller} The default price's GetItem (once a "
        "minute per container) is warm, as in a busy container.",
        "",
        table(["endpoint", "status", "DynamoDB calls"] + [f"total, {n:,} extra" for n in sizes], rows,
              set(range(3, 3 + len(sizes)))),
    ])


def pdf_render_summary(data: dict[str, Any]) -> dict[str, Any]:
    by_layout: dict[str, list[float]] = {}
    for r in data["warm"]:
        by_layout.setdefault(r["layout"], []).append(r["wall_ms"])
    cold = [r["total_ms"] for r in data["cold"]]
    two = {r["layout"]: r["wall_ms"] for r in data["warm"] if r["fixture"] == "two_pages"}
    return {"layouts": {k: (min(v), max(v)) for k, v in by_layout.items()}, "two_pages": two,
            "cold_min_ms": min(cold), "cold_max_ms": max(cold)}


def pdf_render(data: dict[str, Any]) -> str:
    layouts = list(dict.fromkeys(r["layout"] for r in data["warm"]))
    fixtures = list(dict.fromkeys(r["fixture"] for r in data["warm"]))
    cell = {(r["fixture"], r["layout"]): r for r in data["warm"]}
    warm_rows = []
    for fixture in fixtures:
        pages = {cell[(fixture, layout)]["pages"] for layout in layouts if (fixture, layout) in cell}
        count = "/".join(map(str, sorted(pages, key=str)))
        warm_rows.append([f"{fixture.replace('_', ' ')} ({count} page{'' if count == '1' else 's'})"]
                         + [f"{cell[(fixture, layout)]['wall_ms']:.0f} ms ({cell[(fixture, layout)]['cpu_ms']:.0f} cpu)"
                            if (fixture, layout) in cell else "" for layout in layouts])
    cold_rows = [[r["layout"], f"{r['import_ms']:.0f}", f"{r['first_render_ms']:.0f}", f"{r['total_ms']:.0f}"]
                 for r in data["cold"]]
    return "\n".join([
        f"`chapchap.pdf.render_cv` per layout and sample CV (`tests/fixtures/cvs/`). Warm: median wall time of "
        f"{data.get('runs', '?')} renders after 2 warm-ups (CPU time in brackets). {ran_at(data)}",
        "",
        table(["CV"] + layouts, warm_rows, set(range(1, len(layouts) + 1))),
        "",
        f"Cold: a fresh process imports `chapchap.pdf` and renders the two-page CV once (bytecode present), "
        f"median of {data.get('cold_runs', '?')} processes.",
        "",
        table(["layout", "import ms", "first render ms", "total ms"], cold_rows, {1, 2, 3}),
    ])


def preview(data: dict[str, Any]) -> str:
    goal = data.get("goal_ms", 150)
    warm_rows = [[r["layout"], r["pages"], " + ".join(str(k) for k in r["png_kib"]),
                  f"{r['wall_ms']:.0f}", f"{r['cpu_ms']:.0f}", f"{r['min_ms']:.0f}", f"{r['pdf_ms']:.0f}",
                  f"{r['raster_ms']:.0f}", f"{r['again_ms']:.0f}"] for r in data["warm"]]
    cold_rows = [[r["layout"], f"{r['import_ms']:.0f}", f"{r['first_preview_ms']:.0f}", f"{r['total_ms']:.0f}"]
                 for r in data["cold"]]
    worst_cpu = max(r["cpu_ms"] for r in data["warm"])
    worst_wall = max(r["wall_ms"] for r in data["warm"])
    load = data.get("load_average") or {}
    return "\n".join([
        "`GET /api/cvs/{id}/preview` of the two-page sample CV (`tests/fixtures/cvs/two_pages.json`) through its "
        "real handler against moto (no network: S3 and DynamoDB in-process). Warm: a new content version before "
        f"each request, so each renders, rasterizes, marks, encodes and stores both pages; median of "
        f"{data.get('runs', '?')} after 2 warm-ups; \"again\" is the request once the images exist. {ran_at(data)}",
        "",
        f"**Goal: under {goal} ms warm for both pages. Slowest layout: {worst_cpu:.0f} ms of CPU, "
        f"{worst_wall:.0f} ms wall.**"
        + (f" Load average {load.get('start', 0):.2f} at the start, {load.get('end', 0):.2f} at the end "
           f"({data.get('cores')} cores): wall time above CPU time is waiting for a core." if load else ""),
        "",
        table(["layout", "pages", "PNG KiB", "wall ms", "cpu ms", "min ms", "PDF ms", "raster ms", "again ms"],
              warm_rows, {1, 3, 4, 5, 6, 7, 8}),
        "",
        f"Cold: a fresh process imports the handler and makes its first preview (moto set up before the timer, so "
        f"boto3's import is not included), median of {data.get('cold_runs', '?')} processes.",
        "",
        table(["layout", "import ms", "first preview ms", "total ms"], cold_rows, {1, 2, 3}),
    ])


def rollup_summary(data: dict[str, Any]) -> dict[str, Any]:
    rows = data["rows"]
    return {"days": [(r["date"], r["created_items"], r["day_items_read"], r["items_read"], r["total_calls"],
                      r["table_items"]) for r in rows],
            "day_reads_equal_created": data["day_reads_equal_created"],
            "same_reads_when_table_grew": data["same_reads_when_table_grew"], "records_right": data["records_right"]}


def rollup(data: dict[str, Any]) -> str:
    rows = []
    for r in data["rows"]:
        c = r["created"]
        rows.append([r["date"] + (" (alone in the table)" if r["phase"].startswith("only") else ""),
                     f"{r['table_items']:,}",
                     f"{r['created_items']:,} ({c['signups']:,} sign-ups, {c['cvs']:,} CVs, {c['payments']:,} "
                     f"payments, {c['downloads']:,} downloads)",
                     f"{r['day_items_read']:,}", f"{r['period_items_read']:,}", f"{r['items_read']:,}",
                     r["total_calls"], "right" if r["record_right"] else "WRONG"])
    yes = {True: "yes", False: "NO"}
    return "\n".join([
        "The daily rollup (`DailyRollupFunction`, `{\"date\": ...}`) against moto, for past days of very "
        "different volume, each alone in its ISO week and month. Items read: what its Query/GetItem calls went "
        "through (ScannedCount). \"Created that day\" counts the items the record sums: users, CVs, payment "
        "completions, downloads and the active-user markers. The week and month records re-read the active-user "
        f"markers of their finished days (distinct users cannot be summed). {ran_at(data)}",
        "",
        f"**The daily record reads exactly the day's items: {yes[data['day_reads_equal_created']]}; the "
        f"smallest day's reads are unchanged after the table grew: {yes[data['same_reads_when_table_grew']]}; "
        f"records match what was created: {yes[data['records_right']]}.**",
        "",
        table(["day", "table items", "created that day", "day record: items read", "week + month: items read",
               "items read", "calls", "record"], rows, {1, 3, 4, 5, 6}),
    ])


def load(data: dict[str, Any]) -> str:
    rows = [[f"`{k}`", v["n"], v["errors"], f"{v['p50']:.0f}", f"{v['p95']:.0f}", f"{v['p99']:.0f}"]
            for k, v in sorted(data["endpoints"].items())]
    j = data["journeys"]
    return "\n".join([
        f"{data['users']} concurrent visitors doing the whole journey (anonymous CV, register, USSD payment in the "
        f"Selcom simulator, download of the PDF bytes) plus one admin reading stats, payments and analytics, "
        f"for {data['seconds']} s against a fresh single-process local stack (emulated AWS, every function in one "
        f"Python process): figures to compare runs, not Lambda latencies. {ran_at(data)}",
        "",
        f"**{j['started']} journeys started, {data['paid']} paid, {j['failed']} failed; {data['requests']} "
        f"requests in {data['elapsed']:.1f} s ({data['requests'] / data['elapsed']:.1f} req/s), "
        f"{data.get('errors', 0)} errors; admin stats moved by exactly what was paid: "
        f"{'yes' if data['exact'] else 'NO'} ({data['revenue']:,} TZS).**",
        "",
        table(["endpoint", "n", "errors", "p50 ms", "p95 ms", "p99 ms"], rows, {1, 2, 3, 4, 5}),
    ])


def scale(data: dict[str, Any]) -> str:
    runs = data["runs"]
    rows = []
    for r in runs:
        c, j = r.get("counters") or {}, r["journeys"]
        emulator = c.get("conflicts") or {}
        rows.append([r["label"], r["users"], r["shards"] or "default", "on" if r["retry"] else "off", j["started"],
                     r["paid"], r["requests"], f"{r['requests'] / r['elapsed']:.1f}", r["errors"],
                     ", ".join(f"{k}: {v}" for k, v in sorted((r.get("error_kinds") or {}).items())) or "-",
                     emulator.get("transactions", 0), emulator.get("cancelled", 0), emulator.get("refused", 0),
                     "yes" if c.get("exact") else "NO"])
    labels = sorted({k for r in runs for k in r["endpoints"] if not k.startswith("GET /api/admin")})
    head = ["endpoint"] + [f"{r['label']} {r['users']}: p50 / p95 ms (errors)" for r in runs]
    latency = [[f"`{k}`"] + [(f"{r['endpoints'][k]['p50']:.0f} / {r['endpoints'][k]['p95']:.0f} "
                              f"({r['endpoints'][k]['errors']})") if k in r["endpoints"] else "-" for r in runs]
               for k in labels]
    return "\n".join([
        f"The load journeys (anonymous CV, register, payment in the Selcom simulator, PDF download; one admin "
        f"reading stats, payments and analytics) for {data['seconds']} s against a fresh local stack with the "
        f"DynamoDB conflict emulator on (hold {data['hold']}: overlapping transactions cancelled as DynamoDB "
        "does; docs/scale.md). *before*: one item per counter, no conflict retry (COUNTER_SHARDS=1, "
        "DDB_CONFLICT_ATTEMPTS=1); *after*: the template's shards and the data layer's retries. Errors are "
        "user-visible (5xx or no answer). Counters exact: the live counters (total and today's, shards added "
        "up) equal what the table's items say (the rollup's count of the day's users, CVs, completions and "
        f"downloads). Sign-ups hash with bcrypt cost 4 here, so the CPU goes to writes. {ran_at(data)} The stack is one Python process on 2 shared cores: throughput is bound "
        "by CPU (bcrypt on register, PDF rendering, moto), so more visitors mostly wait longer; the request "
        "rate, not the visitor count, sets how often transactions meet.",
        "",
        table(["run", "visitors", "shards", "retries", "journeys", "paid", "requests", "req/s", "errors", "which",
               "transactions", "cancelled", "refused", "counters exact"], rows, {1, 4, 5, 6, 7, 8, 10, 11, 12}),
        "",
        table(head, latency, set(range(1, len(head)))),
    ])


def login_timing(data: dict[str, Any]) -> str:
    rows = [[f"`{kind}`", f"{row['median_ms']:.0f}", f"{row['min_ms']:.0f}", f"{row['max_ms']:.0f}",
             ", ".join(map(str, row["statuses"]))] for kind, row in data["kinds"].items()]
    yes = {True: "yes", False: "NO"}
    return "\n".join([
        f"The login handler against moto, {data['runs']} sign-ins of each kind, interleaved, bcrypt cost "
        f"{data['bcrypt_rounds']}: an unknown email, a known one with a wrong password (what a prober sends) and "
        f"the right password. The throttles are lifted for the run. {ran_at(data)}",
        "",
        f"**Unknown and known emails {data['gap'] * 100:.1f}% apart (medians); within "
        f"{data['tolerance'] * 100:.0f}%: {yes[data['within_tolerance']]}.**",
        "",
        table(["sign-in", "median ms", "min ms", "max ms", "statuses"], rows, {1, 2, 3}),
    ])


def analysis(data: dict[str, Any]) -> str:
    rows = [[r["cv"], "yes" if r["job_description"] else "no", r["score"], r["pages"], r["findings"],
             f"{r['wall_ms']:.2f}", f"{r['cpu_ms']:.2f}"] for r in data["warm"]]
    cold = data["cold"]
    return "\n".join([
        "The resume check without a language model (`chapchap.analysis.jobs.analyse`: rules, page estimate, "
        f"keywords of a 250-word job description), median of {data['runs']} warm runs. {ran_at(data)}",
        "",
        table(["CV", "job description", "score", "pages", "findings", "wall ms", "cpu ms"], rows, {2, 3, 4, 5, 6}),
        "",
        f"Cold: a fresh process imports `chapchap.analysis.jobs` in {cold['import_ms']:.0f} ms and checks the "
        f"two-page CV in {cold['first_check_ms']:.1f} ms (median of {data['cold_runs']}).",
    ])


SECTIONS: list[tuple[str, str, Callable[[dict[str, Any]], str]]] = [
    ("coldstart", "Cold start per function", coldstart),
    ("ddb_calls", "DynamoDB calls per endpoint", ddb_calls),
    ("pdf_render", "PDF render time per layout", pdf_render),
    ("preview", "CV preview (watermarked PNG pages)", preview),
    ("analysis", "Resume check without a model", analysis),
    ("rollup", "Daily rollup: items read per day", rollup),
    ("load", "Load", load),
    ("login_timing", "Login time: unknown and known emails", login_timing),
    ("scale", "Write scale", scale),
]


def build(out: Path = OUT) -> str:
    from bench._meta import stamp

    here = stamp()
    found = {name: json.loads((out / f"{name}.json").read_text()) for name, _, _ in SECTIONS
             if (out / f"{name}.json").is_file()}
    others = sorted({machine_line(d) for d in found.values()
                     if d.get("cpu") and same_machine(d) != same_machine(here)})
    parts = [
        "# Performance report",
        "",
        f"Generated {here['date']} from `bench/out/*.json`, as `make bench` (`{PY} -m bench`) leaves them: every "
        "benchmark runs, then this report is written. Each section says when its benchmark ran.",
        "",
        f"- Machine: {machine_line(here)}"
        + (f" (some figures from: {'; '.join(others)})" if others else ""),
        "- Reproduce everything: `make bench`. One table: the command in its section; then "
        f"`{PY} -m bench report` rewrites this file from the JSON. Options: `{PY} -m bench.<name> --help`.",
        "- Figures depend on the machine and its load (another test suite may have been running): compare runs "
        "on one machine, not across machines.",
        "",
    ]
    for name, title, render in SECTIONS:
        parts += [f"## {title}", "", f"Reproduce: `{COMMANDS[name]}` (writes `bench/out/{name}.json`).", ""]
        if name in found:
            try:
                parts.append(render(found[name]))
            except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
                parts.append(f"`bench/out/{name}.json` could not be read ({type(exc).__name__}: {exc}); run the "
                             "command again.")
        else:
            parts.append("Not run yet: no `bench/out/" + name + ".json`.")
        parts.append("")
    return "\n".join(parts)


def replace_sections(current: str, fresh: str, names: list[str]) -> str:
    """`current` with the sections of `names` taken from `fresh` (the others kept as they are)."""
    titles = {title for name, title, _ in SECTIONS if name in names}

    def split(text: str) -> tuple[str, dict[str, str], list[str]]:
        head, *parts = text.split("\n## ")
        sections = {}
        order = []
        for part in parts:
            title = part.split("\n", 1)[0]
            sections[title] = "\n## " + part
            order.append(title)
        return head, sections, order

    _head, new_sections, _ = split(fresh)
    head, sections, order = split(current)
    for title in titles:
        if title in new_sections:
            sections[title] = new_sections[title]
            if title not in order:
                order.append(title)
    return head + "".join(sections[t] for t in order)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the JSON figures are (default bench/out)")
    parser.add_argument("--report", type=Path, default=REPORT, help="the file to write (default bench/REPORT.md)")
    parser.add_argument("--only", action="append", default=[], metavar="SECTION",
                        choices=[name for name, _, _ in SECTIONS],
                        help="rewrite only this section (repeatable), keep the others of the existing report")
    args = parser.parse_args(argv)
    text = build(args.out)
    if args.only and args.report.is_file():
        text = replace_sections(args.report.read_text(), text, args.only)
    args.report.write_text(text)
    missing = [name for name, _, _ in SECTIONS if not (args.out / f"{name}.json").is_file()]
    where = args.report.relative_to(ROOT) if args.report.is_relative_to(ROOT) else args.report
    print(f"wrote {where}" + (f" (no figures yet for: {', '.join(missing)})" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
