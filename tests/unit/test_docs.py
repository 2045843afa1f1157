"""The documentation stays true to the tree: every file or folder a document names exists,
every link into the repository (and its #anchor) resolves, and nothing in the repository
points outside it (someone who clones it alone must be able to follow every reference).

What counts as a repository path: a Markdown link target, or a backticked token or a word of
a code block that starts with a top-level entry (`layers/`, `docs/`, ...) or `chapchap/`
(the package under layers/common/), or is a root file, or is a bare `name.py` (some file of
that name must exist). Tokens with placeholders (`<area>`, `{id}`, `*`, `$`) are examples,
not paths; `/api/...` are URL paths.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOP_DIRS = ("layers/", "functions/", "local/", "tests/", "bench/", "events/", "docs/", ".ci/")
ROOT_FILES = {"template.yaml", "samconfig.toml", "Makefile", "openapi.json", "requirements-dev.txt",
              "constraints.txt", "pyproject.toml", "README.md", ".gitignore"}
PACKAGE = "layers/common/"  # `chapchap/...` in prose means layers/common/chapchap/...
SKIP_DIRS = {".git", ".venv", ".aws-sam", ".local", "__pycache__", ".pytest_cache", ".hypothesis", "node_modules"}
GENERATED = {"bench/out"}  # written by make bench, ignored by git
# The product owner's brief lives outside the repository; a reference to it cannot be followed.
OUTSIDE = re.compile(r"\.\./shared|/work/shared|shared/docs|\b(?:API|DATA|SELCOM|ENGINEERING|PRODUCT)\.md\b")
SCANNED_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".json", ".cfg", ".ini", ".sh"}
SCANNED_NAMES = {"Makefile", "run"}


def _walk() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if any(part in SKIP_DIRS for part in rel.parts) or any(str(rel).startswith(g) for g in GENERATED):
            continue
        if path.is_file():
            found.append(path)
    return found


FILES = _walk()
BASENAMES = {p.name for p in FILES}
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), ROOT / "events/README.md",
                    ROOT / "local/selcom_sim/README.md"])


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _exists(rel: str) -> bool:
    rel = rel.rstrip("/")
    if any(rel == g or rel.startswith(g + "/") for g in GENERATED):
        return True  # written by make bench: named by the documents that quote it, absent from a clone
    return (ROOT / rel).exists()


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(document: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    in_code = False
    for line in document.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            base = slug(line.lstrip("#"))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    return out


def _split_code(text: str) -> tuple[str, str]:
    """(prose, code blocks) of a Markdown text."""
    prose, code, in_code = [], [], False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        (code if in_code else prose).append(line)
    return "\n".join(prose), "\n".join(code)


def repo_path(token: str) -> str | None:
    """The repository path a token names, or None when it is not one."""
    token = token.strip().rstrip(".,;:)").lstrip("(@")
    token = re.sub(r":\d+(-\d+)?$", "", token)  # cvs.py:35-52
    if not token or re.search(r"[<>{}*$\s|=]", token) or "://" in token:
        return None
    if token.startswith("./"):
        token = token[2:]
    if token in ROOT_FILES or token.startswith(TOP_DIRS):
        return token
    if token.startswith("chapchap/"):
        return PACKAGE + token
    if re.fullmatch(r"[A-Za-z_][\w]*\.py", token):
        return token  # a bare module name: some file must carry it
    return None


def named_paths(document: Path) -> list[str]:
    prose, code = _split_code(document.read_text(encoding="utf-8"))
    tokens = re.findall(r"`([^`\n]+)`", prose)
    tokens += code.split()
    return [p for t in tokens if (p := repo_path(t))]


def links(document: Path) -> list[str]:
    prose, _ = _split_code(document.read_text(encoding="utf-8"))
    prose = re.sub(r"`[^`\n]*`", "", prose)
    return re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", prose)


@pytest.mark.parametrize("document", DOCUMENTS, ids=_rel)
def test_named_files_exist(document):
    missing = []
    for rel in named_paths(document):
        if "/" not in rel and rel.endswith(".py"):
            ok = rel in BASENAMES
        else:
            ok = _exists(rel)
        if not ok:
            missing.append(rel)
    assert not missing, f"{_rel(document)} names files that do not exist: {sorted(set(missing))}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=_rel)
def test_links_resolve(document):
    broken = []
    for target in links(document):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto
        path, _, anchor = target.partition("#")
        resolved = (document.parent / path).resolve() if path else document
        try:
            rel = str(resolved.relative_to(ROOT))
        except ValueError:
            broken.append(f"{target} (outside the repository)")
            continue
        if not _exists(rel):
            broken.append(target)
        elif anchor and resolved.suffix == ".md" and resolved.exists() and anchor not in anchors(resolved):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{_rel(document)}: broken links {broken}"


def test_nothing_points_outside_the_repository():
    me = Path(__file__).resolve()
    found = []
    for path in FILES:
        if path == me or not (path.suffix in SCANNED_SUFFIXES or path.name in SCANNED_NAMES):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{_rel(path)}:{number}: {line.strip()[:100]}")
    assert not found, "references outside the repository:\n" + "\n".join(found)


def test_the_checks_catch_what_they_should():
    assert repo_path("`admin_body.py`".strip("`")) == "admin_body.py" and "admin_body.py" not in BASENAMES
    assert repo_path("chapchap/data/merged.py") == "layers/common/chapchap/data/merged.py"
    assert repo_path("/api/cvs") is None and repo_path("functions/<area>/<endpoint>.py") is None
    assert repo_path("bench/out/*.json") is None and repo_path("python -m local") is None
    assert OUTSIDE.search("the contract is `../shared/docs/API.md`") and OUTSIDE.search("(DATA.md rule 5)")
    assert not OUTSIDE.search("docs/api.md and docs/data.md")
    assert slug("Confirmation: the one way to `completed`") == "confirmation-the-one-way-to-completed"


def test_readme_is_a_front_door():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert "make dev" in text and "make test" in text and "PORT" in text
    assert "uuidgen" not in text


def test_make_help_lists_every_target_the_documents_name():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    listed = set(re.findall(r'@echo "make ([\w-]+)', makefile))
    named = set()
    for document in DOCUMENTS:
        named |= set(re.findall(r"(?m)(?:`|^|[A-Z_]+=\S+ )make ([a-z][\w-]*)", document.read_text(encoding="utf-8")))
    assert named - {"help"} <= listed, f"make help does not list {sorted(named - listed - {'help'})}"
    assert all(re.search(rf"(?m)^{re.escape(t)}:", makefile) for t in listed)
