"""Selcom's webhook: record the call, then treat it as a hint (confirm with Selcom before
changing anything). The HTTP edge (chapchap/http/callbacks.py) parses the body and keeps the
headers; this module takes values."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chapchap.data import payments as pay_data
from chapchap.observability import logger
from chapchap.payments import confirm as confirming
from chapchap.payments import selcom
from chapchap.settings import settings


@dataclass(frozen=True)
class Callback:
    """One call to the webhook, as the edge read it: `body` the text as sent (made safe to
    store), `data` its JSON ({} when it was none), `headers` the ones kept for the record,
    `signature_headers` the ones Selcom signs with."""
    body: str
    data: Any
    headers: dict[str, str] = field(default_factory=dict)
    signature_headers: dict[str, str] = field(default_factory=dict)


def receive(call: Callback) -> dict[str, Any]:
    """Record the call, then treat it as a hint: confirm with Selcom before changing anything."""
    data = call.data
    order_id = str(data.get("order_id") or "")[:64] if isinstance(data, dict) else ""
    webhook_id = pay_data.record_webhook(body=call.body or "", headers=call.headers, order_id=order_id or None)
    if not order_id:
        logger.warning("webhook without order_id", extra={"webhook_id": webhook_id})
        pay_data.annotate_webhook(webhook_id, outcome="ignored: no order_id", **pay_data.short_lived())
        return {"received": True}
    payment = pay_data.get(order_id)
    if payment is None:
        logger.warning("webhook for an unknown order", extra={"webhook_id": webhook_id, "order_id": order_id})
        pay_data.annotate_webhook(webhook_id, outcome="ignored: unknown order", **pay_data.short_lived())
        return {"received": True}
    signature = selcom.client().verify_webhook(call.signature_headers, data) if isinstance(data, dict) else False
    # Recorded: from here on Selcom gets its 200 whatever happens; what fails now (Selcom
    # unreachable, the table busy) is finished by verify or the reconciliation schedule.
    try:
        if payment["status"] != "completed" and not pay_data.claim_status_check(
                payment["reference"], interval_seconds=settings().status_check_interval_seconds):
            # Anyone can post a webhook: Selcom is asked about a payment at most once per
            # interval, whoever asks (verify shares it). The next verify or reconciliation
            # finishes what this one leaves.
            outcome = "not checked: checked within the last seconds"
        else:
            after = confirming.confirm(payment, source="webhook")
            outcome = f"status {after['status']}"
    except Exception as exc:  # noqa: BLE001 - see above
        outcome = f"confirm failed: {getattr(exc, 'code', type(exc).__name__)}"
        logger.warning("could not settle a webhook now; reconciliation will", extra={"order_id": order_id,
                                                                                    "error": type(exc).__name__})
    try:
        pay_data.annotate_webhook(webhook_id, outcome=outcome,
                                  signature={None: "not configured", True: "valid", False: "invalid"}[signature])
    except Exception:  # noqa: BLE001 - the annotation is for admins; the raw call is stored
        logger.warning("could not annotate a webhook", extra={"webhook_id": webhook_id})
    return {"received": True}
