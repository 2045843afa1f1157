"""Bodies of the admin endpoints for users and CVs."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StringConstraints

from chapchap.models.common import Email, FullName, Input, NewPassword, Phone, Unchanged
from chapchap.models.cv import TemplateId, Title

Role = Literal["user", "admin"]
Status = Literal["active", "suspended"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


class AdminUserCreateIn(Input):
    full_name: FullName
    email: Email
    password: NewPassword
    phone_number: Phone | None = None
    role: Role = "user"


class AdminUserUpdateIn(Input):
    full_name: FullName = Unchanged
    phone_number: Phone | None = None  # null removes the number
    role: Role = Unchanged
    status: Status = Unchanged


class AdminCvUpdateIn(Input):
    title: Title = Unchanged
    template_id: TemplateId = Unchanged
    is_paid: StrictBool = Unchanged
    content: Annotated[dict[str, Any], Field(
        description="the whole content, as for the owner; on a paid CV also another person's name "
                    "(then `reason` is required)")] = Unchanged
    reason: Reason | None = None


class PaymentResolveIn(Input):
    action: Annotated[Literal["refunded", "dismissed"], Field(
        description="`refunded`: the money went back (revenue loses what it counted); `dismissed`: the flag "
                    "needs nothing")]
    reason: Reason
    refund_reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                                                       pattern=r"^[A-Za-z0-9._/#-]+$")] | None = None
