"""Sending an email through Amazon SES v2 (plain text, UTF-8), from MAIL_FROM.

MAIL_FROM must be an identity verified in SES in the function's region (an address, or an
address at a verified domain), e.g. `CV Chap Chap <no-reply@cvchapchap.co.tz>`.
"""
from __future__ import annotations

import boto3

from chapchap.settings import settings

_ses = None


def _client():
    global _ses
    if _ses is None:
        _ses = boto3.client("sesv2")
    return _ses


def reset_client() -> None:
    global _ses
    _ses = None


def send(to: str, subject: str, body: str) -> str:
    """The SES message id."""
    sender = settings().mail_from
    if not sender:
        raise RuntimeError("MAIL_FROM is not configured")
    answer = _client().send_email(
        FromEmailAddress=sender, Destination={"ToAddresses": [to]},
        Content={"Simple": {"Subject": {"Data": subject, "Charset": "UTF-8"},
                            "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}}})
    return answer["MessageId"]
