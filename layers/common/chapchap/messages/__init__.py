"""Messages to people: what other modules call to have an SMS or an email sent.

A message is queued (the notification queue) and sent by one function, the sender
(`chapchap.messages.sender`, functions/messages/send.py). Each message has a cause, such as
`payment-completed#CVX123#sms`: its record in the table (chapchap.data.messages) is written
with attribute_not_exists before the message is queued, so a cause sends once however many
webhooks, rechecks or reconciliations confirm it, and the sender's claim on the same record
makes a message SQS delivers twice go out once.

The queue message carries what to send: {cause, channel, kind, to, locale, params}. A
message with no `to` is a decoy (a reset asked for an account that does not exist: the
same writes and the same queueing, so the answer takes as long) and the sender drops it.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


from chapchap.data import messages as message_data
from chapchap.data import users
from chapchap.messages.texts import DEFAULT_LOCALE
from chapchap.observability import logger, metrics
from chapchap import queues
from chapchap.settings import settings

@dataclass
class Outgoing:
    cause: str
    channel: str  # "sms" or "email"
    kind: str  # "payment-completed", "password-reset" (see texts.py)
    to: str | None
    locale: str = DEFAULT_LOCALE
    params: dict[str, Any] = field(default_factory=dict)


def download_page(cv_id: str) -> str:
    """The frontend's page for a paid CV: it asks the API for a fresh link when opened, so a
    message never holds a link that expires."""
    return f"{settings().frontend_base_url}/cvs/{cv_id}/download"


def send_to_queue(outgoing: list[Outgoing]) -> None:
    """Queue messages whose records are written (by `queue` or in the caller's transaction)."""
    entries = [{"Id": str(n), "MessageBody": json.dumps(asdict(m))} for n, m in enumerate(outgoing)]
    for start in range(0, len(entries), 10):
        answer = queues.client().send_message_batch(QueueUrl=settings().notify_queue_url, Entries=entries[start:start + 10])
        if answer.get("Failed"):
            raise RuntimeError(f"the notification queue refused {len(answer['Failed'])} message(s)")


def queue(outgoing: list[Outgoing]) -> bool:
    """Write the causes' records and queue the messages; False (nothing queued) when the
    causes exist already: they were queued by an earlier call."""
    if not outgoing:
        return False
    if not message_data.create([(m.cause, m.channel, m.kind) for m in outgoing]):
        return False
    send_to_queue(outgoing)
    return True


def payment_completed(payment: dict[str, Any]) -> None:
    """After the call that completed `payment`: an SMS to the payment's phone and an email to
    the account, in the account's language. Never raises: the payment is complete whatever
    happens to its messages (a failure is logged and counted for the alarm)."""
    reference = payment["reference"]
    try:
        user = users.get(payment["user_id"]) or {}
        locale = user.get("locale") or DEFAULT_LOCALE
        params = {"amount": int(payment["amount"]), "currency": payment.get("currency", "TZS"),
                  "reference": reference, "download_url": download_page(payment["cv_id"]),
                  "cv_title": payment.get("cv_title") or "", "name": user.get("full_name") or ""}
        outgoing = []
        if payment.get("phone"):
            outgoing.append(Outgoing(f"payment-completed#{reference}#sms", "sms", "payment-completed",
                                     payment["phone"], locale, params))
        email = user.get("email") or payment.get("buyer_email")
        if email:
            outgoing.append(Outgoing(f"payment-completed#{reference}#email", "email", "payment-completed",
                                     email, locale, params))
        if queue(outgoing):
            metrics.add_metric(name="MessagesQueued", unit="Count", value=len(outgoing))
    except Exception:  # noqa: BLE001 - see the docstring
        metrics.add_metric(name="MessageQueueFailed", unit="Count", value=1)
        logger.exception("could not queue the payment's messages", extra={"reference": reference})
