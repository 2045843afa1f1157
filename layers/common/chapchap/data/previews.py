"""The preview marker on a CV item: which images of the CV exist in the bucket.

    CV#<id> / CV   preview = {version, look, pages: [[width, height], ...], at}

Written after the preview's PNGs are in the bucket, and only while the CV still has the
content version they show; read with the CV itself (no extra call). Any other write of the
CV leaves it alone: a newer content version simply no longer matches it.
"""
from __future__ import annotations

from typing import Any

from chapchap.data import cvs, table


def mark(cv_id: str, version: int, marker: dict[str, Any]) -> bool:
    """False when the CV changed version (or went away) meanwhile: nothing is written."""
    try:
        table.update(*cvs.cv_key(cv_id), "SET preview = :marker",
                     condition="content_version = :version AND attribute_not_exists(deleted_at)",
                     marker=marker, version=version)
    except table.ConditionFailed:
        return False
    return True
