"""Photo uploads straight from the browser to S3 with a presigned POST.

The policy binds the object key (under the caller's own prefix), the content type and a
2 MB ceiling, so S3 itself refuses anything else.
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from chapchap import clock, storage
from chapchap.data.cvs import Owner
from chapchap.errors import ValidationFailed

if TYPE_CHECKING:  # the body model is pydantic: loaded by the presign function's route, not here
    from chapchap.models.cv import PresignIn

EXPIRES_SECONDS = 300
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def photo_prefix(owner: Owner) -> str:
    return f"photos/{owner.kind}/{owner.id}/"


def presign_photo(owner: Owner, data: PresignIn) -> dict:
    from chapchap.models.cv import MAX_PHOTO_BYTES

    if data.size > MAX_PHOTO_BYTES:
        raise ValidationFailed.field("size", "a photo may be at most 2 MB")
    key = f"{photo_prefix(owner)}{uuid.uuid4().hex}.{_EXTENSIONS[data.content_type]}"
    post = storage.upload_post(
        key, expires=EXPIRES_SECONDS, fields={"Content-Type": data.content_type},
        conditions=[{"Content-Type": data.content_type}, ["content-length-range", 1, MAX_PHOTO_BYTES]])
    expires_at = clock.iso(clock.now() + timedelta(seconds=EXPIRES_SECONDS))
    return {"url": post["url"], "fields": post["fields"], "key": key, "expires_at": expires_at}


def is_own_photo(owner: Owner, key: str) -> bool:
    return key.startswith(photo_prefix(owner)) and ".." not in key and "//" not in key
