"""The process's one SQS client, for every module that sends (PDF renders, resume checks,
messages). Made on first use, so a cold start that sends nothing never builds it, and dropped
after a SnapStart restore (snapstart.after_restore): a client must not outlive the snapshot."""
from __future__ import annotations

import boto3

_sqs = None


def client():
    global _sqs
    if _sqs is None:
        _sqs = boto3.client("sqs")
    return _sqs


def reset_client() -> None:
    global _sqs
    _sqs = None
