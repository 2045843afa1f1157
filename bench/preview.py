"""CV preview speed: GET /api/cvs/{id}/preview of the two-page sample CV, through its real
handler against moto (S3 and DynamoDB in-process: no network in these figures).

Warm: in this process, per layout, an anonymous visitor's CV of tests/fixtures/cvs/
two_pages.json; each run first moves the CV to a new content version (a direct write, not
timed), so every timed request renders the PDF, rasterizes both pages, marks and encodes
them, stores them and presigns their links. 2 warm-ups, then --runs requests: median wall
time (perf_counter) and CPU time (process_time, less sensitive to other load), with the
median of each stage measured on its own (the PDF; rasterize + mark + encode). "Again" is
the same request when the images exist (links only: no render).

Cold: a fresh Python process per measurement (like a Lambda cold start, bytecode compiled
beforehand into a private cache): moto and the CV are set up first, then the timer covers
importing the handler module and its first preview (fpdf2, fonts, Pillow, PDFium loaded on
the way). boto3 is already imported by moto there, so its import (the same in every
function: see `python -m bench coldstart`) is not in the figure. Median of --cold-runs.

Output: tables on stdout and bench/out/preview.json.

    python -m bench.preview [--runs 15] [--cold-runs 5]
    python -m bench preview
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
import uuid
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.world import prepare_process  # noqa: E402

prepare_process()
warnings.filterwarnings("ignore", message="No application metrics to publish")

OUT = ROOT / "bench" / "out" / "preview.json"
FIXTURE = ROOT / "tests" / "fixtures" / "cvs" / "two_pages.json"
LAYOUT_TEMPLATES = {"classic": "classic-navy", "modern": "modern-ocean", "compact": "compact-ats"}
GOAL_MS = 150


def _event(cv_id: str, anonymous_id: str) -> dict:
    event = json.loads((ROOT / "events" / "cvs" / "preview.json").read_text())
    text = json.dumps(event).replace("REPLACE_WITH_CV_ID", cv_id)
    event = json.loads(text)
    event["headers"].pop("authorization", None)
    event["headers"]["x-anonymous-id"] = anonymous_id
    return event


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def warm(runs: int) -> list[dict]:
    from tests.support.apigw import ApiClient, invoke
    from tests.support.world import moto_account, scoped_env

    content = json.loads(FIXTURE.read_text(encoding="utf-8"))
    rows = []
    with scoped_env() as setenv, moto_account(setenv):
        from chapchap.pdf import looks
        from chapchap.pdf import worker as pdf_worker
        from chapchap.pdf import raster
        from chapchap.templates.catalog import seed_starter_templates
        from chapchap.data import cvs as cv_data
        from chapchap.data import table, templates

        seed_starter_templates()
        api = ApiClient()
        for layout, template_id in LAYOUT_TEMPLATES.items():
            anonymous_id = str(uuid.uuid4())
            reply = api.post("/api/cvs", json={"template_id": template_id, "content": content},
                             headers={"x-anonymous-id": anonymous_id})
            assert reply.status == 201, reply.body
            cv_id = reply.data["cv"]["id"]
            event = _event(cv_id, anonymous_id)

            def new_version(cv_id: str = cv_id) -> None:
                table.update(*cv_data.cv_key(cv_id), "ADD content_version :one", one=1)

            def preview(event: dict = event) -> dict:
                result = invoke("PreviewCvFunction", event)
                assert result["statusCode"] == 200, result
                return json.loads(result["body"])["data"]

            for _ in range(2):
                new_version()
                preview()
            wall, cpu = [], []
            for _ in range(runs):
                new_version()
                w0, c0 = time.perf_counter(), time.process_time()
                data = preview()
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
            again = []
            for _ in range(runs):
                w0 = time.perf_counter()
                preview()
                again.append(time.perf_counter() - w0)
            # The stages on their own.
            cv = cv_data.get(cv_id, consistent=True)
            template = templates.get(template_id)
            pdf_times, raster_times = [], []
            for _ in range(runs):
                w0 = time.perf_counter()
                pdf = pdf_worker.render_pdf(cv, template)
                w1 = time.perf_counter()
                pages = raster.to_png_pages(pdf, width=1000, watermark="PREVIEW")
                raster_times.append(time.perf_counter() - w1)
                pdf_times.append(w1 - w0)
            rows.append({
                "layout": layout, "template": template_id, "look": looks.look_hash(template),
                "pages": data["page_count"], "width": data["pages"][0]["width"],
                "png_kib": [round(len(p.png) / 1024) for p in pages],
                "wall_ms": _median_ms(wall), "cpu_ms": _median_ms(cpu), "min_ms": min(wall) * 1000,
                "pdf_ms": _median_ms(pdf_times), "raster_ms": _median_ms(raster_times),
                "again_ms": _median_ms(again),
            })
    return rows


COLD_CODE = r"""
import json, os, sys, time
root = sys.argv[1]
sys.path[:0] = [os.path.join(root, "layers", "common"), os.path.join(root, "functions"), root]
setup = json.loads(open(sys.argv[2]).read())
os.environ.update(setup["env"])
import boto3
from moto import mock_aws
from local.aws import lighter_transactions
from local.template import Resolver, create_resources, global_environment, load_template
from local.runtime import Runtime
lighter_transactions()
with mock_aws():
    template = load_template()
    physical = create_resources(template, prefix="bench", region=setup["region"])
    os.environ.update(global_environment(template, Resolver(template, physical, setup["region"])))
    client = boto3.client("dynamodb", region_name=setup["region"])
    for item in setup["items"]:
        client.put_item(TableName=os.environ["TABLE_NAME"], Item=item)
    runtime = Runtime(template, region=setup["region"])
    fn = runtime.function("PreviewCvFunction")
    t0 = time.perf_counter()
    runtime.handler(fn)
    t1 = time.perf_counter()
    result = runtime.invoke("PreviewCvFunction", setup["event"])
    t2 = time.perf_counter()
    assert result["statusCode"] == 200, result
    pages = json.loads(result["body"])["data"]["page_count"]
    print(json.dumps({"import": t1 - t0, "first": t2 - t1, "pages": pages}))
"""


def _cold_setup(layout: str) -> dict:
    """The CV and its template as DynamoDB items, and the event: written by the child before
    its timer starts."""
    from tests.support.world import OFFLINE_ENV, REGION

    from chapchap.templates import catalog
    from chapchap.data import cvs as cv_data
    from chapchap.data import table

    content = json.loads(FIXTURE.read_text(encoding="utf-8"))
    anonymous_id = str(uuid.uuid4())
    cv = cv_data.new_cv(owner=cv_data.Owner("anon", anonymous_id), template_id=LAYOUT_TEMPLATES[layout],
                        title="Bench CV", content=content)
    template = next(t for t in catalog.starter_items() if t["id"] == LAYOUT_TEMPLATES[layout])
    return {"region": REGION, "env": dict(OFFLINE_ENV), "event": _event(cv["id"], anonymous_id),
            "items": [table.serialize(cv), table.serialize(template)]}


def cold(runs: int) -> list[dict]:
    env = dict(os.environ)
    rows = []
    with tempfile.TemporaryDirectory(prefix="preview-bench-") as tmp:
        env["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pyc")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for index, layout in enumerate(LAYOUT_TEMPLATES):
            setup_file = Path(tmp) / f"{layout}.json"
            setup_file.write_text(json.dumps(_cold_setup(layout)))
            command = [sys.executable, "-c", COLD_CODE, str(ROOT), str(setup_file)]
            if index == 0:  # bytecode written by one discarded run: a layer ships .pyc
                subprocess.run(command, env=env, check=True, capture_output=True, cwd=str(ROOT))
            samples = []
            for _ in range(runs):
                out = subprocess.run(command, env=env, check=True, capture_output=True, text=True, cwd=str(ROOT))
                samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
            rows.append({"layout": layout, "pages": samples[0]["pages"],
                         "import_ms": _median_ms([s["import"] for s in samples]),
                         "first_preview_ms": _median_ms([s["first"] for s in samples]),
                         "total_ms": _median_ms([s["import"] + s["first"] for s in samples])})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.preview", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="warm requests per layout (median), default 15")
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh processes per layout (median), default 5")
    parser.add_argument("--json", type=Path, default=OUT, help="where to write the figures (default bench/out/preview.json)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.cold_runs < 1:
        parser.error("--runs and --cold-runs must be at least 1")
    load_start = os.getloadavg()[0]

    warm_rows = warm(args.runs)
    print(f"Warm preview of the two-page CV, a new content version each time (median of {args.runs}; "
          f"goal under {GOAL_MS} ms)")
    print(f"{'layout':<8} {'pages':>5} {'PNG KiB':>10} {'wall ms':>8} {'cpu ms':>7} {'min ms':>7} "
          f"{'pdf ms':>7} {'raster ms':>10} {'again ms':>9}")
    for r in warm_rows:
        print(f"{r['layout']:<8} {r['pages']:>5} {'+'.join(map(str, r['png_kib'])):>10} {r['wall_ms']:>8.1f} "
              f"{r['cpu_ms']:>7.1f} {r['min_ms']:>7.1f} {r['pdf_ms']:>7.1f} {r['raster_ms']:>10.1f} "
              f"{r['again_ms']:>9.1f}")

    cold_rows = cold(args.cold_runs)
    print(f"\nCold (fresh process, median of {args.cold_runs}): import the handler, then its first preview")
    print(f"{'layout':<8} {'import ms':>10} {'first ms':>9} {'total ms':>9}")
    for r in cold_rows:
        print(f"{r['layout']:<8} {r['import_ms']:>10.0f} {r['first_preview_ms']:>9.0f} {r['total_ms']:>9.0f}")

    from bench._meta import stamp

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({**stamp(), "runs": args.runs, "cold_runs": args.cold_runs, "goal_ms": GOAL_MS,
                                     "load_average": {"start": load_start, "end": os.getloadavg()[0]},
                                     "warm": warm_rows, "cold": cold_rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
