"""events/env.json: each function's environment as template.yaml gives it, for
`sam local invoke <Function> -e <event> --env-vars events/env.json` (where Docker exists).

    python -m local.env_json                     # write events/env.json (parameter defaults)
    python -m local.env_json --check             # exit 1 when events/env.json is stale
    python -m local.env_json --outputs out.json  # print one filled with a deployed stack's names

Parameters take their defaults (Stage dev). A variable that names a resource of the stack
(TABLE_NAME, BUCKET_NAME, PDF_QUEUE_URL) holds a placeholder `<OutputKey>`: the stack output
that gives its value. `--outputs` fills them from `sam list stack-outputs --stack-name S
--output json` (a list of {"OutputKey", "OutputValue"}), so the local invocation talks to that
stack's table, bucket and queue. tests/unit/test_env_json.py keeps the file in step.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .template import ROOT, Resolver, Template, load_template

ENV_JSON = ROOT / "events" / "env.json"
_PSEUDO = {"AWS::Region": "af-south-1", "AWS::StackName": "cvchapchap-dev", "AWS::URLSuffix": "amazonaws.com",
           "AWS::Partition": "aws"}


class _Placeholders(dict):
    """Resource attributes as `<OutputKey>` placeholders, by the template's Outputs."""

    def __init__(self, template: Template):
        super().__init__()
        by_target: dict[tuple[str, str], str] = {}
        for key, output in (template.raw.get("Outputs") or {}).items():
            value = output.get("Value")
            if isinstance(value, dict) and "Ref" in value:
                by_target[(value["Ref"], "Ref")] = key
            elif isinstance(value, dict) and "Fn::GetAtt" in value:
                name, attr = value["Fn::GetAtt"]
                by_target[(name, attr)] = key
        self.by_target = by_target

    def __contains__(self, name: object) -> bool:
        return any(target[0] == name for target in self.by_target)

    def __getitem__(self, name: str) -> dict[str, str]:
        found = {attr: f"<{key}>" for (res, attr), key in self.by_target.items() if res == name}
        if not found:
            raise KeyError(name)
        return _Strict(name, found)


class _Strict(dict):
    def __init__(self, name: str, values: dict[str, str]):
        super().__init__(values)
        self.name = name

    def __missing__(self, attr: str) -> str:
        raise KeyError(f"the environment uses {self.name}.{attr}, which no Output of template.yaml gives: "
                       f"add one, so env.json can say where its value comes from")


class _EnvResolver(Resolver):
    def ref(self, name: str) -> Any:
        if name in _PSEUDO:
            return _PSEUDO[name]
        return super().ref(name)


def environments(template: Template | None = None) -> dict[str, dict[str, str]]:
    """Function logical id -> its environment variables (Globals, then its own)."""
    template = template or load_template()
    resolver = _EnvResolver(template, _Placeholders(template), _PSEUDO["AWS::Region"])
    shared = (template.raw.get("Globals", {}).get("Function", {}).get("Environment", {}) or {}).get("Variables", {})
    out = {}
    for logical_id, fn in sorted(template.functions.items()):
        variables = {**shared, **((fn.environment or {}).get("Variables") or {})}
        resolved = resolver.resolve(variables)
        out[logical_id] = {k: ",".join(map(str, v)) if isinstance(v, list) else str(v)
                           for k, v in resolved.items()}
    return out


def fill(envs: dict[str, dict[str, str]], outputs: list[dict]) -> dict[str, dict[str, str]]:
    values = {o["OutputKey"]: o["OutputValue"] for o in outputs}
    filled = {}
    for fn, variables in envs.items():
        filled[fn] = {}
        for name, value in variables.items():
            if value.startswith("<") and value.endswith(">"):
                key = value[1:-1]
                if key not in values:
                    raise SystemExit(f"{fn}.{name}: the outputs have no {key}")
                value = values[key]
            filled[fn][name] = value
    return filled


def render(envs: dict[str, dict[str, str]]) -> str:
    return json.dumps(envs, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.env_json", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail when events/env.json differs from the template")
    parser.add_argument("--outputs", type=Path, help="stack outputs (sam list stack-outputs --output json)")
    args = parser.parse_args(argv)
    envs = environments()
    if args.outputs:
        sys.stdout.write(render(fill(envs, json.loads(args.outputs.read_text()))))
        return 0
    text = render(envs)
    if args.check:
        current = ENV_JSON.read_text() if ENV_JSON.is_file() else ""
        if current != text:
            print(f"{ENV_JSON.relative_to(ROOT)} is stale: run python -m local.env_json", file=sys.stderr)
            return 1
        return 0
    ENV_JSON.write_text(text)
    print(f"wrote {ENV_JSON.relative_to(ROOT)} ({len(envs)} functions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
