"""Bodies of the admin endpoints for users and CVs."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

from chapchap.models.common import Email, FullName, Input, NewPassword, Phone
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
    full_name: FullName | None = None
    phone_number: Phone | None = None
    role: Role | None = None
    status: Status | None = None


class AdminCvUpdateIn(Input):
    title: Title | None = None
    template_id: TemplateId | None = None
    is_paid: bool | None = None
    reason: Reason | None = None
