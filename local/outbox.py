"""The local outbox: every SMS and email the sender function really sent, kept for
`GET /_local/outbox` (newest first) and printed as one line each.

What lands here went through the real sender code and a real provider call: emails are
taken where moto's SES receives the SES v2 SendEmail, SMS where the Africa's Talking fake
(local/at_sim.py) accepts the POST, or where moto's SNS receives a Publish to a phone
number (SMS_PROVIDER=sns). Nothing here is written by the application itself.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Callable


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Outbox:
    def __init__(self) -> None:
        self._items: list[dict] = []
        self._lock = threading.Lock()
        self.log: Callable[[str], None] = print

    def record(self, channel: str, to: str, subject: str, body: str) -> None:
        item = {"at": _now(), "channel": channel, "to": to, "subject": subject, "body": body}
        with self._lock:
            self._items.append(item)
        first_line = body.splitlines()[0] if body else ""
        shown = subject or (first_line if len(first_line) <= 90 else first_line[:87] + "...")
        self.log(f"{datetime.now().strftime('%H:%M:%S')}  {channel.upper():<5} to {to}  {shown}")

    def items(self) -> list[dict]:
        with self._lock:
            return list(reversed(self._items))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


OUTBOX = Outbox()
_installed: list[bool] = []


def listen_to_moto() -> None:
    """Record what moto's SES and SNS accept (once per process)."""
    if _installed:
        return
    _installed.append(True)
    from moto.ses.models import SESBackend
    from moto.sns.models import SNSBackend

    send_email = SESBackend.send_email

    def recording_send_email(self, source, subject, body, destinations):
        message = send_email(self, source, subject, body, destinations)
        for address in [a for addresses in destinations.values() for a in addresses]:
            OUTBOX.record("email", address, subject, body)
        return message

    SESBackend.send_email = recording_send_email

    publish = SNSBackend.publish

    def recording_publish(self, message, *args, **kwargs):
        result = publish(self, message, *args, **kwargs)
        phone = kwargs.get("phone_number")
        if phone:
            OUTBOX.record("sms", phone, "", message)
        return result

    SNSBackend.publish = recording_publish


def verify_sender(address: str) -> None:
    """SES sends only from a verified identity: verify MAIL_FROM in the emulator."""
    from email.utils import parseaddr

    import boto3

    boto3.client("sesv2").create_email_identity(EmailIdentity=parseaddr(address)[1])
