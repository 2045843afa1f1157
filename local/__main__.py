"""python -m local: the Docker-less local stack (docs/local-stack.md).

    python -m local [--port 3000] [--host 127.0.0.1] [--state-dir .local] [--reset]
    python -m local --reset-only          forget the saved state and exit

Environment (a variable already set always wins over template.yaml's Globals):
    PORT                  HTTP port when --port is not given (default 3000)
    AWS_PORT              port of the AWS emulator (default: a free one)
    ADMIN_EMAIL, ADMIN_PASSWORD   the admin account ensured at start
    JWT_SECRET            default: a random key kept in the state dir
    PUBLIC_BASE_URL       default: http://127.0.0.1:<port>
    SELCOM_BASE_URL, SELCOM_API_KEY, SELCOM_API_SECRET, SELCOM_VENDOR   passed through
    LOCAL_SCHEDULES=off   no scheduled runs      LOCAL_CONSUMERS=off   no queue polling
    LOCAL_RETRY_DELAY     seconds before a failed queue message is retried (default 1)
    LOCAL_SAVE_INTERVAL   seconds between saves of a changed state (default 2)
Developer endpoints: POST /_local/invoke/{FunctionLogicalId} (body: JSON event),
GET /_local/functions, GET /_local/info, POST /_local/queues/drain, POST /_local/state/save.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .template import ROOT


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__.split("\n")[0],
                                     epilog=__doc__.split("\n\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
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
