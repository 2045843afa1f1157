"""`python -m tests.fuzz`: see tests/fuzz/__init__.py."""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.fuzz import STACK_ENV, run
from tests.support.stack import LocalStack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__import__("tests.fuzz").fuzz.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=100, help="examples per operation and phase (default 100)")
    parser.add_argument("--seed", type=int, help="Hypothesis seed, to replay a run")
    parser.add_argument("--only", choices=["user", "admin"], action="append", help="run one scope only")
    parser.add_argument("--url", help="a running local stack (default: start a fresh one)")
    parser.add_argument("--admin-email")
    parser.add_argument("--admin-password")
    parser.add_argument("st_args", nargs="*", help="more `st run` options, after --")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        workdir = Path(tmp)
        if args.url:
            if not (args.admin_email and args.admin_password):
                parser.error("--url needs --admin-email and --admin-password")
            return run(args.url, admin=(args.admin_email, args.admin_password), examples=args.examples,
                       workdir=workdir, seed=args.seed, extra=args.st_args, scopes=args.only)
        stack = LocalStack(workdir / "state", workdir / "stack.log", STACK_ENV).start()
        try:
            code = run(stack.url, admin=(stack.admin_email, stack.admin_password), examples=args.examples,
                       workdir=workdir, seed=args.seed, extra=args.st_args, scopes=args.only)
        finally:
            stack.stop()
        if code:
            print(f"(the local stack's log: {stack.log_path}, removed with the run; rerun with --url to keep a stack)")
        return code


if __name__ == "__main__":
    sys.exit(main())
