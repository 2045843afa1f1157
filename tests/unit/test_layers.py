"""The two layers: CommonLayer for every function, PdfLayer (fpdf2, fontTools, Pillow) only for the
functions that render a PDF; both pinned to exactly what the tests run (constraints.txt)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import metadata

import pytest
from packaging.requirements import Requirement

from local.template import ROOT, load_template

TEMPLATE = load_template()
LAYER_DIRS = {"CommonLayer": ROOT / "layers" / "common", "PdfLayer": ROOT / "layers" / "pdf"}
# The functions that make a PDF, and what they make. Every other function must do without fpdf2.
PDF_FUNCTIONS = {
    "PdfFunction": "the CV PDFs (chapchap.pdf.worker)",
    "PaymentReceiptFunction": "the payment receipt (chapchap.payments.receipts)",
    "AdminPaymentsReportFunction": "the payments report in PDF format (chapchap.admin.reports)",
    "PreviewCvFunction": "the watermarked preview pages of a CV (chapchap.cvs.previews, chapchap.pdf.raster)",
}
PDF_PACKAGES = {"fpdf", "fontTools", "PIL", "pypdfium2"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        found = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        assert found, f"{path.relative_to(ROOT)}: {line!r} is not pinned as name==version"
        pins[_norm(found.group(1))] = found.group(2)
    return pins


CONSTRAINTS = _pins(ROOT / "constraints.txt")
LAYER_PINS = {name: _pins(folder / "requirements.txt") for name, folder in LAYER_DIRS.items()}


@pytest.mark.parametrize("layer", sorted(LAYER_PINS))
def test_layer_requirements_are_the_versions_the_tests_run(layer):
    pins = LAYER_PINS[layer]
    assert pins
    for name, version in pins.items():
        assert CONSTRAINTS.get(name) == version, (
            f"{layer}: {name}=={version}, constraints.txt has {CONSTRAINTS.get(name)}")
        assert metadata.version(name) == version, f"{layer}: the venv runs {name} {metadata.version(name)}"


@pytest.mark.parametrize("layer", sorted(LAYER_PINS))
def test_layer_requirements_pin_everything_they_pull_in(layer):
    # pip resolves unpinned dependencies to the newest release at build time: each one is listed.
    available = {**LAYER_PINS["CommonLayer"], **LAYER_PINS[layer]}  # a PDF function has both
    missing = []
    for name in LAYER_PINS[layer]:
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({"extra": "", **_lambda_env()}):
                continue
            if _norm(requirement.name) not in available:
                missing.append(f"{requirement.name} (for {name})")
    assert not missing, f"{layer}: pin these too: {sorted(set(missing))}"


def _lambda_env() -> dict[str, str]:
    return {"python_version": "3.13", "python_full_version": "3.13.0", "sys_platform": "linux",
            "platform_system": "Linux", "platform_machine": "aarch64", "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "os_name": "posix"}


def test_the_layers_share_no_package():
    assert not set(LAYER_PINS["CommonLayer"]) & set(LAYER_PINS["PdfLayer"])
    assert {"fpdf2", "fonttools", "pillow", "pypdfium2"} <= set(LAYER_PINS["PdfLayer"])


def test_only_the_pdf_functions_have_the_pdf_layer():
    with_pdf = {fn.logical_id for fn in TEMPLATE.functions.values() if LAYER_DIRS["PdfLayer"] in fn.layers}
    assert with_pdf == set(PDF_FUNCTIONS)
    for fn in TEMPLATE.functions.values():
        assert fn.layers[0] == LAYER_DIRS["CommonLayer"], f"{fn.logical_id} lacks CommonLayer"


def test_the_pdf_functions_do_render():
    # A function listed above that stops rendering should lose the layer (and its cold start).
    sources = {fn: TEMPLATE.functions[fn].source_file.read_text() for fn in PDF_FUNCTIONS}
    assert "pdf_worker" in sources["PdfFunction"]
    assert "receipts.receipt" in sources["PaymentReceiptFunction"]
    assert "reports.payments_report" in sources["AdminPaymentsReportFunction"]
    assert "previews.preview" in sources["PreviewCvFunction"]
    for module, marker in (("payments/receipts", "from chapchap.pdf import"),
                           ("admin/reports", "from chapchap.pdf import"),
                           ("pdf/worker", "from chapchap.pdf import"), ("cvs/previews", "from chapchap.pdf import raster")):
        assert marker in (ROOT / "layers" / "common" / "chapchap" / f"{module}.py").read_text()


_IMPORT_ALL = r"""
import importlib, importlib.abc, json, sys
from tests.support.world import prepare_process
prepare_process()
blocked = set(sys.argv[1].split(","))

class NoPdfLayer(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ImportError(f"{name} is in PdfLayer, which this function does not have")
        return None

sys.meta_path.insert(0, NoPdfLayer())
failures = {}
for module in sys.argv[2:]:
    try:
        importlib.import_module(module)
    except ImportError as exc:
        failures[module] = str(exc)
loaded = sorted({m.split(".")[0] for m in sys.modules} & blocked)
print(json.dumps({"failures": failures, "loaded": loaded}))
"""


def test_functions_without_the_pdf_layer_never_import_it():
    # Lambda gives these functions CommonLayer only: importing their handler (and so their
    # cold start) must not need fpdf2, fontTools or Pillow.
    modules = sorted({fn.module_name for fn in TEMPLATE.functions.values() if fn.logical_id not in PDF_FUNCTIONS})
    proc = subprocess.run([sys.executable, "-c", _IMPORT_ALL, ",".join(sorted(PDF_PACKAGES)), *modules],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"failures": {}, "loaded": []}


def test_pdf_function_handlers_import_without_rendering():
    # chapchap.pdf stays in CommonLayer and loads fpdf2 when a PDF is made, not on import.
    modules = sorted({TEMPLATE.functions[fn].module_name for fn in PDF_FUNCTIONS})
    proc = subprocess.run([sys.executable, "-c", _IMPORT_ALL, ",".join(sorted(PDF_PACKAGES)), *modules],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1])["loaded"] == []

