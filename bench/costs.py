"""What paying visitors cost in AWS (af-south-1): docs/COSTS.md from measured figures.

Inputs, all measured on this machine against moto (nothing here talks to AWS):

- bench/out/ddb_calls.json (`python -m bench ddb_calls`): for every route, its DynamoDB
  calls, the on-demand read and write request units they cost (from item sizes, see
  tests/support/counting.py), the other AWS calls (S3, SQS, SSM) and the handler's warm
  wall time;
- coldstart.json (the benchmarks' git-ignored output) (`python -m bench coldstart`), if present: the import + first
  client time of each function, billed on a cold start;
- measured here, in a second: bcrypt at the template's cost (the benchmarks run the tests'
  cheap cost 4) and a warm PDF render (the ddb_calls figure for the PDF function includes
  importing fpdf2);
- template.yaml: each function's memory.

The journeys, the share of visitors who pay, log volume and cold-start shares are
assumptions, named as such in the output. Prices are list prices typed in below with their
date; they were not read from AWS's price list (no network here): check them before quoting.

    python -m bench.costs [--out bench/out] [--doc docs/COSTS.md]
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
DOC = ROOT / "docs" / "COSTS.md"
REGION = "af-south-1"

# ---------------------------------------------------------------- prices (USD)
PRICES_DATE = "2026-12-02"
# af-south-1 list prices as best known on PRICES_DATE. The us-east-1 figures of the same
# services were found in public pages (sources in docs/COSTS.md); Cape Town's are higher
# and these are estimates of them. Each is marked "check before quoting" in the document.
PRICES: dict[str, tuple[float, str, str]] = {
    # key: (USD, unit, note)
    "lambda_gb_s": (0.0000177, "per GB-second, arm64 (first tier)", "us-east-1: 0.0000133334"),
    "lambda_request": (0.28 / 1e6, "per request", "us-east-1: 0.20 per million"),
    "http_api_request": (1.33 / 1e6, "per request (first 300 M a month)", "us-east-1: 1.00 per million"),
    "ddb_wru": (0.855 / 1e6, "per write request unit, on-demand", "us-east-1: 0.625 per million"),
    "ddb_rru": (0.171 / 1e6, "per read request unit, on-demand", "us-east-1: 0.125 per million"),
    "ddb_storage_gb_month": (0.30, "per GB-month, Standard table class", "us-east-1: 0.25"),
    "s3_put": (0.0060 / 1000, "per PUT/POST/LIST request, S3 Standard", "us-east-1: 0.005 per 1,000"),
    "s3_get": (0.00048 / 1000, "per GET request, S3 Standard", "us-east-1: 0.0004 per 1,000"),
    "s3_storage_gb_month": (0.0274, "per GB-month, S3 Standard", "us-east-1: 0.023"),
    "sqs_request": (0.48 / 1e6, "per request (64 KB chunk), standard queue", "us-east-1: 0.40 per million"),
    "logs_ingest_gb": (0.70, "per GB of CloudWatch Logs ingested", "us-east-1: 0.50"),
    "data_out_gb": (0.154, "per GB to the internet (first 10 TB)", "us-east-1: 0.09"),
    "ssm_standard_param": (0.0, "per call to standard-tier Parameter Store", "no charge (standard throughput)"),
}

# ---------------------------------------------------------------- assumptions
CONVERSION = 0.05  # share of daily visitors who pay: an assumption, not a measurement
LOG_BYTES_PER_INVOCATION = 2048  # START/END/REPORT lines + our JSON lines + EMF metrics
COLD_SHARE = {100: 0.6, 1000: 0.25, 10000: 0.05}  # invocations that start a container
VISITORS_PER_DAY = (100, 1000, 10000)
DAYS_PER_MONTH = 30
PDF_BYTES = 60 * 1024  # a two-page CV (the render below measures it)
PHOTO_BYTES = 300 * 1024
RESPONSE_BYTES = 2 * 1024  # an API answer, headers included
BCRYPT_TEST_ROUNDS = 4  # what the benchmarks ran with (tests/support/world.py)
SNAPSTART_CACHE_GB_S = 0.0000015046  # us-east-1, Python/.NET (docs/cold-start.md)
SQS_IDLE_REQUESTS_PER_MONTH = 5 * 3 * 60 * 24 * 30  # 5 pollers, one 20 s long poll each

# A paying visitor from first save to download: bench/load.py's journey, plus what a real
# visitor adds (choosing a template, a few saves, a photo, polling the payment) and what the
# payment sets off (Selcom's webhook, the render). Counts per journey are assumptions.
PAID_JOURNEY: list[tuple[str, float]] = [
    ("GET /api/templates", 1),
    ("POST /api/cvs", 1),
    ("POST /api/uploads/presigned-url", 1),
    ("PUT /api/cvs/{id}", 5),
    ("GET /api/cvs", 1),
    ("POST /api/auth/register", 1),
    ("POST /api/payments/initiate", 1),
    ("POST /api/payments/callback", 1),
    ("GET /api/payments/verify/{reference}", 3),
    ("SQS: PdfFunction", 1),
    ("GET /api/payments/download/{cv_id}", 1),
]
# A visitor who does not pay: picks a template, saves a CV, edits it, leaves.
BROWSING_JOURNEY: list[tuple[str, float]] = [
    ("GET /api/templates", 1),
    ("POST /api/cvs", 1),
    ("PUT /api/cvs/{id}", 3),
    ("GET /api/cvs", 1),
]
# What the browser does outside the API (S3 directly, with presigned URLs), per journey.
BROWSER_S3_PAID = {"s3 put (photo upload)": 1, "s3 get (PDF download)": 1}
# Schedules: calls per month, whatever the traffic.
SCHEDULED = [("ScheduleV2: ReconcilePaymentsFunction", 12 * 24 * DAYS_PER_MONTH),
             ("ScheduleV2: DailyRollupFunction", DAYS_PER_MONTH)]


@dataclass
class Step:
    label: str
    count: float
    function: str
    http: bool
    memory_mb: int
    ms: float
    read_units: float
    write_units: float
    items_written: float
    ddb_calls: int
    s3_put: float
    s3_get: float
    sqs: float
    init_ms: float


def _row(endpoints: list[dict], label: str) -> dict:
    for r in endpoints:
        if r["endpoint"] == label:
            return r
    raise KeyError(f"{label!r} is not in ddb_calls.json: run `python -m bench ddb_calls` again")


def _figures(row: dict) -> dict:
    """The smallest table's run (the one the other columns are compared with)."""
    sizes = sorted(row["by_size"], key=int)
    return row["by_size"][sizes[0]]


def steps(journey: list[tuple[str, float]], ddb: dict, memory: dict[str, int], init: dict[str, float],
          extra_ms: dict[str, float]) -> list[Step]:
    out = []
    for label, count in journey:
        row = _row(ddb["endpoints"], label)
        f = _figures(row)
        other = f.get("other_calls") or {}
        s3_put = sum(n for k, n in other.items() if k.startswith("s3 ") and k.split()[1] in
                     ("PutObject", "CopyObject", "DeleteObject", "ListObjectsV2", "CreateMultipartUpload"))
        s3_get = sum(n for k, n in other.items() if k.startswith("s3 ") and k.split()[1] in ("GetObject", "HeadObject"))
        sqs = sum(n for k, n in other.items() if k.startswith("sqs "))
        if row["function"] == "PdfFunction":
            sqs += 2  # the event source mapping's ReceiveMessage and DeleteMessage for this message
        out.append(Step(label=label, count=count, function=row["function"], http=row["kind"] == "http",
                        memory_mb=memory.get(row["function"], 512),
                        ms=extra_ms.get(label, f["ms"]), read_units=f.get("read_units", 0.0),
                        write_units=f.get("write_units", 0.0), items_written=f.get("items_written", 0),
                        ddb_calls=row["total"], s3_put=s3_put, s3_get=s3_get, sqs=sqs,
                        init_ms=init.get(row["function"], 0.0)))
    return out


def price(key: str) -> float:
    return PRICES[key][0]


def journey_cost(journey: list[Step], *, cold_share: float, browser_s3: dict[str, float] | None = None,
                 stored_pdf: bool = False, pdf_bytes: int = PDF_BYTES) -> dict[str, float]:
    """USD of one journey by line item (storage: one month of what it leaves behind)."""
    invocations = sum(s.count for s in journey)
    gb_s = sum(s.count * math.ceil(s.ms + cold_share * s.init_ms) / 1000 * s.memory_mb / 1024 for s in journey)
    http = sum(s.count for s in journey if s.http)
    rru = sum(s.count * s.read_units for s in journey)
    wru = sum(s.count * s.write_units for s in journey)
    browser_s3 = browser_s3 or {}
    s3_put = sum(s.count * s.s3_put for s in journey) + sum(n for k, n in browser_s3.items() if "put" in k)
    s3_get = sum(s.count * s.s3_get for s in journey) + sum(n for k, n in browser_s3.items() if "get" in k)
    sqs = sum(s.count * s.sqs for s in journey)
    out_bytes = http * RESPONSE_BYTES + (pdf_bytes if stored_pdf else 0)
    stored_s3 = (pdf_bytes + PHOTO_BYTES) if stored_pdf else 0
    # items stay in the table; 1 KB each is an upper bound for all but the CV itself
    stored_ddb = sum(s.count * s.items_written for s in journey) * 1024
    return {
        "lambda requests": invocations * price("lambda_request"),
        "lambda duration": gb_s * price("lambda_gb_s"),
        "http api": http * price("http_api_request"),
        "dynamodb reads": rru * price("ddb_rru"),
        "dynamodb writes": wru * price("ddb_wru"),
        "dynamodb storage": stored_ddb / 2**30 * price("ddb_storage_gb_month"),
        "s3 requests": s3_put * price("s3_put") + s3_get * price("s3_get"),
        "s3 storage": stored_s3 / 2**30 * price("s3_storage_gb_month"),
        "sqs": sqs * price("sqs_request"),
        "logs": invocations * LOG_BYTES_PER_INVOCATION / 2**30 * price("logs_ingest_gb"),
        "data out": out_bytes / 2**30 * price("data_out_gb"),
    }


def fixed_monthly(scheduled: list[Step]) -> dict[str, float]:
    """What runs whatever the traffic: the schedules and the queue's idle polling."""
    costs = journey_cost(scheduled, cold_share=1.0)  # every scheduled run starts cold at low traffic
    costs["sqs"] += SQS_IDLE_REQUESTS_PER_MONTH * price("sqs_request")
    return costs


def month(visitors_per_day: int, paid: list[Step], browsing: list[Step], scheduled: list[Step],
          conversion: float = CONVERSION, pdf_bytes: int = PDF_BYTES) -> dict[str, Any]:
    cold = COLD_SHARE.get(visitors_per_day, 0.1)
    payers = visitors_per_day * DAYS_PER_MONTH * conversion
    browsers = visitors_per_day * DAYS_PER_MONTH - payers
    p = journey_cost(paid, cold_share=cold, browser_s3=BROWSER_S3_PAID, stored_pdf=True, pdf_bytes=pdf_bytes)
    b = journey_cost(browsing, cold_share=cold)
    f = fixed_monthly(scheduled)
    lines = {k: payers * p[k] + browsers * b[k] + f[k] for k in p}
    return {"visitors_per_day": visitors_per_day, "payers": payers, "browsers": browsers, "cold_share": cold,
            "lines": lines, "total": sum(lines.values()), "per_payer": sum(lines.values()) / payers if payers else 0}


# ---------------------------------------------------------------- cheap measurements
def measure_bcrypt(rounds: int) -> float:
    """Milliseconds a hash at `rounds` costs more than one at the tests' rounds, on this machine."""
    import bcrypt

    def once(r: int) -> float:
        salt = bcrypt.gensalt(r)
        started = time.perf_counter()
        bcrypt.hashpw(b"correct horse battery", salt)
        return (time.perf_counter() - started) * 1000

    return max(0.0, statistics.median(once(rounds) for _ in range(3)) - once(BCRYPT_TEST_ROUNDS))


def measure_pdf() -> tuple[float, int]:
    """(warm render ms, bytes) of the two-page sample CV, after a warm-up."""
    for p in (ROOT / "layers" / "common",):
        if str(p) not in sys.path:
            sys.path.insert(0, str(p))
    from chapchap.pdf import render_cv

    content = json.loads((ROOT / "tests" / "fixtures" / "cvs" / "two_pages.json").read_text())
    render_cv(content, layout="compact")
    times, size = [], 0
    for _ in range(3):
        started = time.perf_counter()
        size = len(render_cv(content, layout="compact"))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), size


# ---------------------------------------------------------------- document
def usd(x: float) -> str:
    if x == 0:
        return "0"
    if x < 0.01:
        return f"{x:.5f}"
    return f"{x:,.2f}"


def _table(head: list[str], rows: list[list[Any]], right: set[int]) -> str:
    from bench.report import table

    return table(head, rows, right)


def render(ctx: dict[str, Any]) -> str:
    paid, browsing = ctx["paid"], ctx["browsing"]
    per_k = {k: v * 1000 for k, v in ctx["paid_cost"].items()}
    total_k = sum(per_k.values())
    step_rows = [[f"`{s.label}`", f"{s.count:g}", s.ddb_calls, f"{s.read_units:g}", f"{s.write_units:g}",
                  f"{s.ms:.0f}", s.memory_mb, f"{s.s3_put + s.s3_get:g}", f"{s.sqs:g}"] for s in paid]
    months = ctx["months"]
    line_names = list(months[0]["lines"])
    month_rows = [[name] + [usd(m["lines"][name]) for m in months] for name in line_names]
    month_rows.append(["**total**"] + [f"**{usd(m['total'])}**" for m in months])
    month_rows.append(["per paying visitor"] + [usd(m["per_payer"]) for m in months])
    price_rows = [[k, f"{v:.10f}".rstrip("0").rstrip(".") or "0", unit, note, f"list price as of {PRICES_DATE}, check before quoting"]
                  for k, (v, unit, note) in PRICES.items()]
    inv = sum(s.count for s in paid)
    http = sum(s.count for s in paid if s.http)
    rru = sum(s.count * s.read_units for s in paid)
    wru = sum(s.count * s.write_units for s in paid)
    gb_s = sum(s.count * s.ms / 1000 * s.memory_mb / 1024 for s in paid)
    dominant = sorted(per_k.items(), key=lambda kv: -kv[1])[:3]
    return "\n".join([
        "# What it costs to serve a paying visitor (AWS, af-south-1)",
        "",
        f"Generated {ctx['date']} by `make bench` (`.venv/bin/python -m bench`; on its own: "
        "`.venv/bin/python -m bench costs`, after `python -m bench ddb_calls`) from measured figures. "
        f"Machine: {ctx['machine']}. Figures measured {ctx['ddb_date']} (DynamoDB units, warm handler "
        f"times){', ' + ctx['cold_date'] + ' (cold starts)' if ctx.get('cold_date') else ''}.",
        "",
        f"**1,000 paid journeys cost about USD {usd(total_k)}** in AWS charges (no free tier counted), "
        f"mostly {', '.join(f'{k} ({usd(v)})' for k, v in dominant)}. "
        f"A month at {', '.join(format(m['visitors_per_day'], ',') for m in months)} visitors a day, "
        f"{CONVERSION:.0%} of whom pay (an assumption), costs about USD "
        f"{', '.join(usd(m['total']) for m in months)}.",
        "",
        "Next to the price of a CV (5,000 TZS by default, about USD 2) that is small; the figures are here "
        "so that a change which multiplies one of them shows. DynamoDB writes lead: a CV item is in all three "
        "global secondary indexes, each projecting ALL attributes, so every save writes the whole CV four "
        "times; indexes projecting only what the lists show would cut that line most.",
        "",
        "## How this is computed",
        "",
        "- **DynamoDB**: every route's sample event runs through its real handler against moto "
        "(`bench/ddb_calls.py`); each call's request units come from the sizes of the items it reads and "
        "writes (`tests/support/counting.py`): reads 1 unit per 4 KB, half when eventually consistent, a "
        "Query summed over the items it went through; writes 1 unit per KB of the larger of the item before "
        "and after, twice in a transaction, plus 1 unit per KB for each global secondary index the item is in "
        "(all three are ALL-projected). A refused conditional write is billed too.",
        "- **Lambda**: the handler's warm wall time per route on this machine against moto (module imported, "
        "clients made), times the function's memory from `template.yaml`; register adds bcrypt at the "
        f"template's cost 12 measured here (+{ctx['bcrypt_ms']:.0f} ms over the benchmarks' cost 4); the PDF "
        "function's figure is a render with fpdf2 already imported (a warm render of the two-page sample alone "
        f"takes {ctx['pdf_ms']:.0f} ms here and makes {ctx['pdf_bytes'] // 1024} KB). A share of invocations also pays a cold start (import + first client, from "
        "the cold-start benchmark's git-ignored JSON output as measured: on a loaded machine these overstate it), billed: Lambda bills "
        "the init phase of managed runtimes since 1 August 2025 (AWS Compute Blog, \"AWS Lambda standardizes "
        "billing for INIT Phase\"). Lambda at 512 MB has about a "
        "third of a vCPU: CPU-bound steps (bcrypt, the render) take longer there than here; durations are a "
        "floor, and Lambda duration stays a small line even at three times these figures.",
        "- **API Gateway**: one HTTP API request per HTTP step. **S3**: the calls the handlers make (counted), "
        "plus the browser's photo upload and PDF download with presigned URLs. **SQS**: the render's "
        "SendMessage (counted) plus the event source mapping's receive and delete, and its idle long polling "
        "(5 pollers, fixed per month). **Logs**: "
        f"{LOG_BYTES_PER_INVOCATION} bytes per invocation (assumption). **Data out**: "
        f"{RESPONSE_BYTES // 1024} KB per API answer and the PDF.",
        "- **Storage**: a journey's items (1 KB each, an upper bound for all but the CV) and S3 objects "
        "(PDF and a photo), for the month they were made in; it accumulates month after month.",
        "- Not counted: the free tier, KMS (SSM SecureString reads use the AWS-managed key), CloudWatch "
        "alarms and metrics (a few dollars a month whatever the traffic), Selcom's own fees, taxes, and "
        f"SnapStart, off by default (`EnableSnapStart`): on, its snapshot cache alone would add about USD "
        f"{ctx['snapstart_cache_month']:,.0f} a month for the {ctx['functions']} functions' "
        f"{ctx['memory_mb']:,} MB at the us-east-1 rate of USD {SNAPSTART_CACHE_GB_S} per GB-second, "
        "before restores (docs/cold-start.md).",
        "",
        "## The paid journey",
        "",
        f"From first save to download: {inv:g} Lambda invocations, {http:g} API requests, "
        f"{rru:g} read and {wru:g} write request units, {gb_s:.2f} GB-s of warm Lambda time. Counts per "
        "journey are assumptions (5 saves, 3 payment polls, 1 photo); the figures per request are measured.",
        "",
        _table(["step", "times", "DynamoDB calls", "RRU", "WRU", "warm ms", "MB", "S3 req.", "SQS req."],
               step_rows, {1, 2, 3, 4, 5, 6, 7, 8}),
        "",
        "A visitor who does not pay: " + ", ".join(f"`{s.label}` x{s.count:g}" for s in browsing) + ".",
        "",
        "## 1,000 paid journeys",
        "",
        f"Warm containers ({COLD_SHARE[10000]:.0%} cold starts), storage for one month.",
        "",
        _table(["line", "USD"], [[k, usd(v)] for k, v in per_k.items()] + [["**total**", f"**{usd(total_k)}**"]],
               {1}),
        "",
        "## A month",
        "",
        f"{DAYS_PER_MONTH} days; **assumed** conversion: {CONVERSION:.0%} of visitors pay (change `CONVERSION` "
        "in `bench/costs.py`); the rest make the browsing journey. Cold-start shares assumed per traffic level: "
        + ", ".join(f"{k:,}/day {v:.0%}" for k, v in COLD_SHARE.items())
        + ". Fixed per month: the reconciliation every 5 minutes, the daily rollup, the queue's idle polling.",
        "",
        _table(["line (USD)"] + [f"{m['visitors_per_day']:,} visitors/day ({m['payers']:,.0f} payers)" for m in months],
               month_rows, set(range(1, len(months) + 1))),
        "",
        "## Prices",
        "",
        f"af-south-1 (Cape Town), USD, as of {PRICES_DATE}. The machine that wrote this has no access to AWS's "
        "price list: these are the best known Cape Town figures, each higher than the us-east-1 price beside it "
        "(published on aws.amazon.com/lambda/pricing, /api-gateway/pricing, /dynamodb/pricing/on-demand, "
        "/s3/pricing, /sqs/pricing, /cloudwatch/pricing). **Check each before quoting** (AWS Pricing "
        "Calculator, region Africa (Cape Town)); `PRICES` in `bench/costs.py` holds them.",
        "",
        _table(["item", "USD", "unit", "for comparison", "status"], price_rows, {1}),
        "",
    ])


def build(out: Path = OUT, *, measure: bool = True) -> tuple[str, dict[str, Any]]:
    from bench._meta import stamp
    from local.template import load_template

    ddb_path = out / "ddb_calls.json"
    if not ddb_path.is_file():
        raise FileNotFoundError(f"{ddb_path} is missing: run `python -m bench ddb_calls` first")
    ddb = json.loads(ddb_path.read_text())
    cold_path = out / "coldstart.json"
    cold = json.loads(cold_path.read_text()) if cold_path.is_file() else {}
    init = {f["function"]: f["warm"]["median_ms"] for f in cold.get("functions", []) if f.get("warm")}
    template = load_template()
    memory = {lid: fn.memory for lid, fn in template.functions.items()}
    bcrypt_ms = measure_bcrypt(12) if measure else 0.0
    pdf_ms, pdf_bytes = measure_pdf() if measure else (0.0, PDF_BYTES)
    extra: dict[str, float] = {}
    reg = _figures(_row(ddb["endpoints"], "POST /api/auth/register"))
    extra["POST /api/auth/register"] = reg["ms"] + bcrypt_ms
    paid = steps(PAID_JOURNEY, ddb, memory, init, extra)
    browsing = steps(BROWSING_JOURNEY, ddb, memory, init, extra)
    scheduled = steps([(label, n) for label, n in SCHEDULED], ddb, memory, init, extra)
    paid_cost = journey_cost(paid, cold_share=COLD_SHARE[10000], browser_s3=BROWSER_S3_PAID, stored_pdf=True,
                             pdf_bytes=pdf_bytes)
    here = stamp()
    ctx = {
        "date": here["date"], "machine": f"{here['machine']}, {here['cpu']}, {here['cores']} cores, {here['system']}, "
                                         f"{here['python']}",
        "ddb_date": ddb.get("date", "?"), "cold_date": cold.get("date"),
        "paid": paid, "browsing": browsing, "scheduled": scheduled, "paid_cost": paid_cost,
        "bcrypt_ms": bcrypt_ms, "pdf_ms": pdf_ms, "pdf_bytes": pdf_bytes,
        "functions": len(memory), "memory_mb": sum(memory.values()),
        "snapstart_cache_month": sum(memory.values()) / 1024 * DAYS_PER_MONTH * 86400 * SNAPSTART_CACHE_GB_S,
        "months": [month(v, paid, browsing, scheduled, pdf_bytes=pdf_bytes) for v in VISITORS_PER_DAY],
    }
    return render(ctx), ctx


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.costs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the benchmarks' JSON is (default bench/out)")
    parser.add_argument("--doc", type=Path, default=DOC, help="the file to write (default docs/COSTS.md)")
    args = parser.parse_args(argv)
    try:
        text, ctx = build(args.out)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 1
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    args.doc.write_text(text)
    summary = {"date": ctx["date"], "per_1000_paid_journeys_usd": sum(ctx["paid_cost"].values()) * 1000,
               "months": [{k: m[k] for k in ("visitors_per_day", "payers", "total")} for m in ctx["months"]]}
    (args.out / "costs.json").write_text(json.dumps(summary, indent=2) + "\n")
    where = args.doc.relative_to(ROOT) if args.doc.is_relative_to(ROOT) else args.doc
    print(f"1,000 paid journeys: USD {usd(summary['per_1000_paid_journeys_usd'])}; a month: "
          + ", ".join(f"{m['visitors_per_day']:,}/day USD {usd(m['total'])}" for m in summary["months"]))
    print(f"wrote {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
