"""The sender's work: one queued message out, at most once per cause.

The record of the cause is claimed before sending (`sending`, with the time), marked
`sent` after; a second delivery of the same SQS message finds it sent and does nothing. A
claim older than STALE_CLAIM (a sender that crashed or timed out between claiming and
marking) may be taken again: the only window in which a message can go out twice is a
crash after the provider took it and before the mark, which no provider API lets us close.
A failed send gives the claim back and raises, so SQS retries; after the queue's
maxReceiveCount the message waits in the dead-letter queue (and its alarm fires).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from chapchap.data import messages as message_data
from chapchap.messages import mail, sms, texts
from chapchap.observability import logger, metrics

# Longer than the sender's timeout (30 s), so a live sender never has its claim taken.
STALE_CLAIM = timedelta(minutes=2)


class MessageBusy(RuntimeError):
    """Another sender holds this message now; SQS retries it later."""


def process(message: dict[str, Any]) -> str:
    cause, channel = message["cause"], message["channel"]
    if not message_data.claim(cause, stale_after=STALE_CLAIM):
        record = message_data.get(cause)
        if record is None:
            return "skipped: no record of this cause"
        if record["status"] != "sending":
            return f"skipped: {record['status']} already"
        raise MessageBusy(cause)
    if not message.get("to"):
        message_data.finish(cause, status="dropped")
        return "dropped: no recipient"
    text = texts.render(message["kind"], channel, message.get("locale"), message.get("params") or {})
    try:
        if channel == "sms":
            provider_id = sms.provider().send(message["to"], text.body)
        elif channel == "email":
            provider_id = mail.send(message["to"], text.subject, text.body)
        else:
            raise ValueError(f"unknown channel {channel!r}")
    except sms.SmsFailed as exc:
        if exc.permanent:
            message_data.finish(cause, status="failed")
            metrics.add_metric(name="MessageFailed", unit="Count", value=1)
            logger.warning("SMS refused for good", extra={"cause": cause, "reason": str(exc)})
            return "failed: the provider refused the number"
        message_data.release(cause)
        raise
    except Exception:
        message_data.release(cause)
        raise
    message_data.finish(cause, status="sent", provider_id=provider_id)
    metrics.add_metric(name="MessageSent", unit="Count", value=1)
    return "sent"
