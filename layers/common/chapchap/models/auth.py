"""Bodies of the auth and profile endpoints."""
from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from chapchap.models.common import AnyPassword, Email, FullName, Input, NewPassword, Phone, Unchanged, Uuid

Token = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class RegisterIn(Input):
    full_name: FullName
    email: Email
    password: NewPassword
    phone_number: Phone | None = None
    anonymous_id: Uuid | None = None


class LoginIn(Input):
    email: Email
    password: AnyPassword
    anonymous_id: Uuid | None = None


class RefreshIn(Input):
    refresh_token: Token


class LogoutIn(Input):
    refresh_token: Token | None = None


class UpdateMeIn(Input):
    full_name: FullName = Unchanged
    phone_number: Phone | None = None


class ChangePasswordIn(Input):
    current_password: AnyPassword
    new_password: NewPassword
