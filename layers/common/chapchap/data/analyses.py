"""Resume checks (analyses) of a CV: one item each, in the CV's own partition of analyses.

    ANALYSES#<cv_id> / <analysis_id>    type analysis, cv_id, status pending|done|failed,
                                        locale, job_description, content_version, score,
                                        sections, findings, keywords, notes, model,
                                        created_at, updated_at, completed_at; TTL a year

The analysis id starts with its creation time (`20261202T215502123Z-1a2b3c4d`), so the sort
key orders a CV's analyses by time: newest first is a descending Query of the partition
(pattern 20, one call per page), and one analysis is a GetItem, read in the same
BatchGetItem as its CV (the owner check). Nothing here is keyed by the owner: whoever may
read the CV may read its analyses, so the CV item stays the one place ownership is kept.
"""
from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from chapchap import clock
from chapchap.data import cvs, table

KEEP_DAYS = 365
TTL_NAMES = {"#ttl": "ttl"}
# What an id looks like; anything else is no analysis (and never reaches DynamoDB as a key).
ID_PATTERN = re.compile(r"^\d{8}T\d{9}Z-[0-9a-f]{8}$")


def analysis_key(cv_id: str, analysis_id: str) -> tuple[str, str]:
    return f"ANALYSES#{cv_id}", analysis_id


def new_id() -> str:
    moment = clock.now()
    return f"{moment:%Y%m%dT%H%M%S}{moment.microsecond // 1000:03d}Z-{secrets.token_hex(4)}"


def new_analysis(cv_id: str, *, locale: str, job_description: str | None) -> dict[str, Any]:
    moment = clock.now()
    analysis_id = new_id()
    pk, sk = analysis_key(cv_id, analysis_id)
    now = clock.iso(moment)
    return {"pk": pk, "sk": sk, "type": "analysis", "id": analysis_id, "cv_id": cv_id, "status": "pending",
            "locale": locale, "job_description": job_description or None, "created_at": now, "updated_at": now,
            "ttl": clock.epoch_seconds(moment + timedelta(days=KEEP_DAYS))}


def get(cv_id: str, analysis_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
    if not ID_PATTERN.match(analysis_id):
        return None
    return table.get(*analysis_key(cv_id, analysis_id), consistent=consistent)


def get_with_cv(cv_id: str, analysis_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(CV, analysis) in one BatchGetItem; an id of the wrong shape reads the CV alone."""
    keys = [cvs.cv_key(cv_id)]
    if ID_PATTERN.match(analysis_id):
        keys.append(analysis_key(cv_id, analysis_id))
    found = table.batch_get(keys, consistent=True)
    analysis = found.get(analysis_key(cv_id, analysis_id)) if len(keys) == 2 else None
    return found.get(cvs.cv_key(cv_id)), analysis


def list_for_cv(cv_id: str, *, limit: int, start_key: dict | None) -> tuple[list[dict], dict | None]:
    """A CV's analyses, newest first: one Query per page."""
    return table.query(pk=f"ANALYSES#{cv_id}", limit=limit, forward=False, start_key=start_key)


def finish(cv_id: str, analysis_id: str, result: dict[str, Any]) -> bool:
    """Write the outcome of a pending analysis (status done or failed with its fields).
    False when it was no longer pending (another delivery of the message finished it)."""
    changes = {**result, "updated_at": clock.now_iso(), "completed_at": clock.now_iso()}
    sets, removes, names, values = table.field_changes(changes)
    try:
        table.update(*analysis_key(cv_id, analysis_id), table.set_remove(sets, removes),
                     condition="#status = :pending", names={**names, "#status": "status"},
                     pending="pending", **values)
    except table.ConditionFailed:
        return False
    return True
