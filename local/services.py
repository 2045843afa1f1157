"""Extra local services started next to the API (the Selcom simulator will be one).

A factory is `factory(stack) -> Service | None`. It looks at the environment (a Selcom
simulator returns None when SELCOM_BASE_URL already points at a gateway), starts its own
thread on a free loopback port, and returns a Service. The stack calls the factories after
the AWS emulator is up and before any handler runs, exports each service's `env` (a value
already in the environment wins), lists the services in the banner and stops them on exit.
Register a factory by appending it to FACTORIES.
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


FACTORIES: list[Callable[[object], Service | None]] = []


def start_services(stack, factories: list | None = None) -> list[Service]:
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
            os.environ.setdefault(key, value)
        started.append(service)
    return started


def stop_services(services: list[Service]) -> None:
    for service in reversed(services):
        try:
            service.stop()
        except Exception as exc:  # noqa: BLE001 - shutting down anyway
            print(f"warning: stopping {service.name} failed: {exc}", file=sys.stderr)
