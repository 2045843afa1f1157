"""python -m local: the Docker-less local stack (see README, "Local stack").

    python -m local [--port 3000] [--host 127.0.0.1] [--state-dir .local] [--reset]
    python -m local --reset-only          forget the saved state and exit
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .template import ROOT


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 3000),
                        help="HTTP port (default: $PORT or 3000; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".local",
                        help="where the state is kept (default: .local in the repository)")
    parser.add_argument("--reset", action="store_true", help="forget the saved state, then start")
    parser.add_argument("--reset-only", action="store_true", help="forget the saved state and exit")
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml", help=argparse.SUPPRESS)
    parser.add_argument("--parameter-overrides", nargs="*", default=[], metavar="KEY=VALUE",
                        help="template parameters, e.g. AllowedOrigins=http://localhost:8080")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from . import state

    state_dir = args.state_dir.resolve()
    if args.reset or args.reset_only:
        pid = state.running_pid(state_dir)
        if pid:
            print(f"a local stack (pid {pid}) is using {state_dir}: stop it first", file=sys.stderr)
            return 1
        state.wipe(state_dir)
        print(f"forgot the local state in {state_dir}")
        if args.reset_only:
            return 0
    overrides = {}
    for item in args.parameter_overrides:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"--parameter-overrides takes KEY=VALUE, got {item!r}", file=sys.stderr)
            return 2
        overrides[key] = value
    from .stack import Stack

    Stack(host=args.host, port=args.port, state_dir=state_dir, template_path=args.template,
          parameter_overrides=overrides).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
