"""Extra local services started next to the API: the Selcom simulator, and the SMS fake and
email listener that fill the outbox.

A factory is `factory(stack) -> Service | None`. It looks at the environment (a Selcom
simulator returns None when SELCOM_BASE_URL already points at a gateway), starts its own
thread on a free loopback port, and returns a Service. The stack calls the factories after
the AWS emulator is up and the template's environment is exported, and before any handler
runs; it exports each service's `env` over the template's values (a variable the developer
set wins), lists the services in the banner and stops them on exit. `stack.port`,
`stack.state_dir`, `stack.user_env` (names the developer set) and os.environ are there to
read. Register a factory in FACTORIES, e.g.

    def selcom(stack):
        if "SELCOM_BASE_URL" in stack.user_env:  # the developer points at a gateway
            return None
        sim = local.selcom_sim.start(...)
        return Service("selcom", sim.url, sim.env, sim.stop)
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Service:
    name: str
    url: str
    env: dict[str, str] = field(default_factory=dict)
    stop: Callable[[], None] = lambda: None


def selcom(stack) -> Service | None:
    """The Selcom simulator (local/selcom_sim), unless the developer set SELCOM_BASE_URL to
    point at another Selcom-compatible gateway. Keys: SELCOM_API_KEY / _SECRET / _VENDOR
    when set, else development values; LOCAL_SELCOM_DELAY (seconds, default 2) is how long
    a USSD push or a webhook takes; LOCAL_SELCOM_PORT fixes its port (default: a free one)."""
    if "SELCOM_BASE_URL" in stack.user_env:
        return None
    from local.selcom_sim import start

    delay = float(os.environ.get("LOCAL_SELCOM_DELAY", "2"))
    sim = start(port=int(os.environ.get("LOCAL_SELCOM_PORT", "0")),
                api_key=os.environ.get("SELCOM_API_KEY", "local-selcom-key"),
                api_secret=os.environ.get("SELCOM_API_SECRET", "local-selcom-secret"),
                vendor=os.environ.get("SELCOM_VENDOR", "TILL60001"),
                webhook_delay=delay, push_delay=delay)
    return Service("selcom", sim.url, sim.env, sim.stop)


def messaging(stack) -> Service | None:
    """Where the sender's messages land: moto's SES (MAIL_FROM verified there) and SNS are
    listened to, and a fake of Africa's Talking's SMS endpoint (local/at_sim.py) takes the
    SMS, unless the developer set AT_BASE_URL. All of it fills the outbox
    (GET /_local/outbox, local/outbox.py) and prints one line per message."""
    from local import outbox

    outbox.listen_to_moto()
    sender = os.environ.get("MAIL_FROM")
    if sender:
        outbox.verify_sender(sender)
    if "AT_BASE_URL" in stack.user_env:
        return None
    from local.at_sim import start

    sim = start(api_key=os.environ.get("AFRICASTALKING_API_KEY", "local-at-key"),
                username=os.environ.get("AT_USERNAME", "sandbox"),
                on_message=lambda sms: outbox.OUTBOX.record("sms", sms["to"], "", sms["message"]))
    return Service("africastalking", sim.url, sim.env, sim.stop)


FACTORIES: list[Callable[[object], Service | None]] = [selcom, messaging]


def start_services(stack, factories: list | None = None, protected: set[str] = frozenset()) -> list[Service]:
    """Start every factory's service; `protected` names variables no service may change."""
    started: list[Service] = []
    for factory in FACTORIES if factories is None else factories:
        try:
            service = factory(stack)
        except Exception:
            for s in started:
                s.stop()
            raise
        if service is None:
            continue
        for key, value in service.env.items():
            if key not in protected:
                os.environ[key] = value
        started.append(service)
    return started


def stop_services(services: list[Service]) -> None:
    for service in reversed(services):
        try:
            service.stop()
        except Exception as exc:  # noqa: BLE001 - shutting down anyway
            print(f"warning: stopping {service.name} failed: {exc}", file=sys.stderr)
