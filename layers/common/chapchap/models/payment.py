"""Bodies of the payment endpoints."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from chapchap.models.common import Input, Phone, Uuid
from chapchap.models.cv import TemplateId


class InitiateIn(Input):
    cv_id: Uuid
    phone_number: Phone | None = None
    method: Literal["mobile_money", "card"] | None = None
    template_id: Annotated[TemplateId | None, Field(description=(
        "the template to pay for (default: the CV's own). For a CV already paid at a lower price this is an "
        "upgrade: only the difference is charged, and the CV moves to this template once paid"))] = None
