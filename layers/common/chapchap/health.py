"""The health check: version, and proof that the table answers (one GetItem)."""
from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from chapchap import clock
from chapchap.data import table
from chapchap.errors import ServiceUnavailable
from chapchap.observability import logger
from chapchap.settings import settings


def check() -> dict:
    try:
        table.get("HEALTH", "HEALTH")
    except (BotoCoreError, ClientError) as exc:
        logger.error("health check: table unreachable", extra={"error": type(exc).__name__})
        raise ServiceUnavailable("The database is not reachable.", code="UNAVAILABLE") from None
    return {"status": "ok", "version": settings().version, "stage": settings().stage,
            "time": clock.now_iso()}
