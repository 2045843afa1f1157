"""python -m local.selcom_sim [--port 3100] [--host 127.0.0.1]: run the Selcom simulator by hand."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from .server import MODES, start

DEV_API_KEY = "dev-selcom-api-key"
DEV_API_SECRET = "dev-selcom-api-secret"
DEV_VENDOR = "VENDORTILL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.selcom_sim", description=__doc__.split(":")[0])
    parser.add_argument("--port", type=int, default=3100, help="port (default 3100; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--webhook-delay", type=float, default=1.0, help="seconds before a webhook leaves")
    parser.add_argument("--push-delay", type=float, default=3.0, help="seconds before a USSD push is answered")
    parser.add_argument("--mode", choices=MODES, default="normal")
    parser.add_argument("--slow-seconds", type=float, default=12.0)
    parser.add_argument("--public-url", help="base URL for the checkout page links (default http://host:port)")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)

    sim = start(host=args.host, port=args.port,
                api_key=os.environ.get("SELCOM_API_KEY") or DEV_API_KEY,
                api_secret=os.environ.get("SELCOM_API_SECRET") or DEV_API_SECRET,
                vendor=os.environ.get("SELCOM_VENDOR") or DEV_VENDOR,
                webhook_secret=os.environ.get("SELCOM_WEBHOOK_SECRET") or None,
                webhook_delay=args.webhook_delay, push_delay=args.push_delay,
                slow_seconds=args.slow_seconds, public_url=args.public_url, verbose=not args.quiet)
    sim.set_mode(args.mode)
    print(f"Selcom simulator on {sim.url} (orders: {sim.root_url}/), mode {sim.mode}")
    print(f"  vendor {sim.vendor}; point the backend at it with SELCOM_BASE_URL={sim.url}")
    print("  magic numbers: ...0001 rejected, ...0002 lost webhook, ...0003 amount + 500, ...0004 never answered")
    sys.stdout.flush()

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
