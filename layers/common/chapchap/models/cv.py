"""Bodies of the CV, template and upload endpoints."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from chapchap.models.common import Input, NotBlank, Unchanged

TemplateId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), NotBlank]
MAX_PHOTO_BYTES = 2 * 1024 * 1024


class CvCreateIn(Input):
    template_id: TemplateId
    title: Title | None = None
    content: dict[str, Any] = Field(default_factory=dict)


class CvUpdateIn(Input):
    title: Title = Unchanged
    template_id: TemplateId = Unchanged
    content: dict[str, Any] = Unchanged


class PresignIn(Input):
    purpose: Literal["cv_photo"]
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    size: Annotated[int, Field(gt=0, json_schema_extra={"maximum": MAX_PHOTO_BYTES})]
