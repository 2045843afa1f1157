"""Asking for a resume check: the analysis queue, read by AnalysisFunction.

A message names the CV and the analysis (`{"cv_id", "analysis_id"}`); the analysis item
holds everything else (the job description, the reader's language), so a message stays
small whatever the description's length.
"""
from __future__ import annotations

import json


from chapchap import queues
from chapchap.settings import settings

def enqueue(cv_id: str, analysis_id: str) -> None:
    queues.client().send_message(QueueUrl=settings().analysis_queue_url,
                           MessageBody=json.dumps({"cv_id": cv_id, "analysis_id": analysis_id}))
