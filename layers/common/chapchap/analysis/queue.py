"""Asking for a resume check: the analysis queue, read by AnalysisFunction.

A message names the CV and the analysis (`{"cv_id", "analysis_id"}`); the analysis item
holds everything else (the job description, the reader's language), so a message stays
small whatever the description's length.
"""
from __future__ import annotations

import json

import boto3

from chapchap.settings import settings

_sqs = None


def _client():
    global _sqs
    if _sqs is None:
        _sqs = boto3.client("sqs")
    return _sqs


def reset_client() -> None:
    global _sqs
    _sqs = None


def enqueue(cv_id: str, analysis_id: str) -> None:
    _client().send_message(QueueUrl=settings().analysis_queue_url,
                           MessageBody=json.dumps({"cv_id": cv_id, "analysis_id": analysis_id}))
