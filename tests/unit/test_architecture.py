"""The layers the package tree shows, held against the imports (docs/architecture.md):

    functions/ (handlers)  ->  chapchap/http/ (the edge)  ->  domain areas  ->  chapchap/data/

- only the edge speaks HTTP: no module outside chapchap/http/ imports chapchap.http*
  (the resolver, the envelope, the OpenAPI helpers, the caller, the webhook's parsing);
- the data layer imports nothing from the domain: only itself and the shared kernel;
- handlers import chapchap (with the standard library and the frameworks the edge is built on:
  Powertools' event handlers, pydantic), never boto3 or botocore directly;
- no import cycles among chapchap's modules;
- outside the edge no module touches an event's request parts or a Lambda context.

Every import counts, also those inside functions (made late for cold start) and under
TYPE_CHECKING.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "common" / "chapchap"
FUNCTIONS = ROOT / "functions"
# The shared kernel: small modules every layer may use (no HTTP, no domain rule in them).
KERNEL = {"chapchap", "chapchap.clock", "chapchap.cursor", "chapchap.errors", "chapchap.settings",
          "chapchap.observability", "chapchap.phone", "chapchap.secretstore", "chapchap.storage"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, name: str | None = None) -> set[str]:
    """The modules `path` imports (`from a import b` counts as a.b when that is a module)."""
    package = None
    if name is not None:
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in MODULES else base)
    return found


GRAPH = {name: {m for m in _imports(path, name) if m in MODULES and m != name} for name, path in MODULES.items()}


def test_the_tree_is_read():
    assert {"chapchap.http", "chapchap.payments.confirm", "chapchap.data.table"} <= set(MODULES)
    assert "chapchap.payments.selcom" in GRAPH["chapchap.payments.confirm"]


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not (n == "chapchap.http" or n.startswith("chapchap.http."))))
def test_only_the_edge_speaks_http(name):
    wrong = sorted(m for m in _imports(MODULES[name], name) if m == "chapchap.http" or m.startswith("chapchap.http."))
    assert not wrong, f"{name} imports {wrong}: the domain takes values, the edge (chapchap/http/) reads requests"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("chapchap.data")))
def test_the_data_layer_imports_no_domain(name):
    wrong = sorted(m for m in _imports(MODULES[name], name)
                   if m.startswith("chapchap") and not m.startswith("chapchap.data") and m not in KERNEL)
    assert not wrong, f"{name} imports {wrong}: the data layer uses only itself and the kernel"


HANDLERS = sorted(FUNCTIONS.rglob("*.py"))


@pytest.mark.parametrize("path", HANDLERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_handlers_import_only_chapchap(path):
    allowed = {"chapchap", "__future__", "aws_lambda_powertools", "pydantic"}
    wrong = sorted(m for m in _imports(path)
                   if m.split(".")[0] not in allowed and m.split(".")[0] not in sys.stdlib_module_names)
    assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}: a handler reaches AWS through chapchap"


def test_no_import_cycles():
    # Tarjan's strongly connected components: any component of two modules or more is a cycle.
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(GRAPH[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert not cycles, f"import cycles: {cycles}"


def test_the_rules_catch_what_they_forbid(tmp_path):
    # The checks read what they should: a module importing the edge is seen as doing so.
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from chapchap.http.apidoc import param\n    import boto3\n")
    assert {"chapchap.http.apidoc", "boto3"} <= _imports(sample)


_EDGE_ATTRIBUTES = {"current_event", "lambda_context", "request_context", "query_string_parameters"}
# (A schedule's or a manual invocation's event is a plain dict of options: the rollup and the
# bootstrap take one as a value.)
_EDGE_ARGUMENTS = {"lambda_context", "request_domain", "context", "headers_of", "resolver"}


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not (n == "chapchap.http" or n.startswith("chapchap.http."))))
def test_the_domain_reads_no_request(name):
    # Outside the edge nothing touches an API Gateway event, a Lambda context or a resolver:
    # the handler reads them and passes values (an Owner, a base URL, a Callback, a dict).
    found = []
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Attribute) and node.attr in _EDGE_ATTRIBUTES:
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.arg) and node.arg in _EDGE_ARGUMENTS:
            found.append(f"line {node.lineno}: parameter {node.arg}")
    assert not found, f"{name} reads the request: {found}"
