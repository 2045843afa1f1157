"""Sending an SMS: a small provider interface and its two implementations.

    SMS_PROVIDER=africastalking   Africa's Talking (the default: local rates and registered
                                  sender ids in East Africa). Its REST endpoint
                                  POST {AT_BASE_URL}/version1/messaging, form fields
                                  username, to, message, from; the API key (SSM parameter
                                  `africastalking-api-key`) in the `apiKey` header.
    SMS_PROVIDER=sns              Amazon SNS Publish to a phone number (transactional).

`SMS_SENDER_ID` is the registered sender id (`from` at Africa's Talking, the SenderID
attribute at SNS); empty: the account's default. Numbers arrive as 255XXXXXXXXX and leave
in E.164 (+255...).
"""
from __future__ import annotations

from typing import Protocol

import boto3
import requests

from chapchap.secretstore import get_secret
from chapchap.settings import settings

# Africa's Talking per-recipient status codes: 100 Processed, 101 Sent, 102 Queued are
# accepted; these mean the number itself cannot be reached, so a retry would not help.
AT_ACCEPTED = {100, 101, 102}
AT_PERMANENT = {403: "InvalidPhoneNumber", 404: "UnsupportedNumberType", 406: "UserInBlacklist",
                409: "DoNotDisturbRejection"}
TIMEOUT = (3.05, 10)


class SmsFailed(RuntimeError):
    """The provider did not take the message. `permanent`: retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class SmsProvider(Protocol):
    name: str

    def send(self, to: str, text: str) -> str:
        """Send `text` to `to` (255XXXXXXXXX); the provider's message id, or SmsFailed."""


def e164(number: str) -> str:
    return number if number.startswith("+") else f"+{number}"


class AfricasTalking:
    name = "africastalking"

    def __init__(self, *, base_url: str, username: str, sender_id: str, session: requests.Session | None = None):
        self.base_url, self.username, self.sender_id = base_url.rstrip("/"), username, sender_id
        self.session = session or requests.Session()

    def send(self, to: str, text: str) -> str:
        form = {"username": self.username, "to": e164(to), "message": text}
        if self.sender_id:
            form["from"] = self.sender_id
        try:
            answer = self.session.post(f"{self.base_url}/version1/messaging", data=form, timeout=TIMEOUT,
                                       headers={"apiKey": get_secret("africastalking-api-key"),
                                                "Accept": "application/json"})
        except requests.RequestException as exc:
            raise SmsFailed(f"Africa's Talking unreachable: {type(exc).__name__}") from None
        if answer.status_code not in (200, 201):
            # 401 is a wrong key or username: a configuration fault, retried until fixed.
            raise SmsFailed(f"Africa's Talking answered HTTP {answer.status_code}")
        try:
            recipients = answer.json()["SMSMessageData"]["Recipients"]
            first = recipients[0]
            status = int(first["statusCode"])
        except (ValueError, KeyError, IndexError, TypeError):
            raise SmsFailed("Africa's Talking answered without a recipient status") from None
        if status in AT_ACCEPTED:
            return str(first.get("messageId") or "")
        raise SmsFailed(f"Africa's Talking refused the message: {status} {first.get('status', '')}".strip(),
                        permanent=status in AT_PERMANENT)


class Sns:
    name = "sns"

    def __init__(self, *, sender_id: str, client=None):
        self.sender_id = sender_id
        self.client = client or boto3.client("sns")

    def send(self, to: str, text: str) -> str:
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if self.sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": self.sender_id}
        answer = self.client.publish(PhoneNumber=e164(to), Message=text, MessageAttributes=attributes)
        return answer["MessageId"]


_provider: SmsProvider | None = None


def provider() -> SmsProvider:
    """The configured provider, made once per container."""
    global _provider
    if _provider is None:
        config = settings()
        if config.sms_provider == "sns":
            _provider = Sns(sender_id=config.sms_sender_id)
        elif config.sms_provider == "africastalking":
            _provider = AfricasTalking(base_url=config.at_base_url, username=config.at_username,
                                       sender_id=config.sms_sender_id)
        else:
            raise RuntimeError(f"SMS_PROVIDER must be africastalking or sns, not {config.sms_provider!r}")
    return _provider


def reset_provider() -> None:
    global _provider
    _provider = None
