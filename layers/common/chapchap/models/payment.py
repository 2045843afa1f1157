"""Bodies of the payment endpoints."""
from __future__ import annotations

from typing import Literal

from chapchap.models.common import Input, Phone, Uuid


class InitiateIn(Input):
    cv_id: Uuid
    phone_number: Phone | None = None
    method: Literal["mobile_money", "card"] | None = None
