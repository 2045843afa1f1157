"""Bodies of the auth and profile endpoints."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

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


Locale = Literal["sw", "en"]


class UpdateMeIn(Input):
    full_name: FullName = Unchanged
    phone_number: Phone | None = None
    locale: Locale = Field(default_factory=lambda: None,
                           description='Language of the messages we send: "sw" (Swahili, the default) or "en"')


class ForgotByEmail(Input):
    """A reset link goes to this address, if it is an account's."""
    email: Email


class ForgotByPhone(Input):
    """A 6-digit code goes by SMS to this number, if it is an account's."""
    phone_number: Phone


ForgotPasswordIn = ForgotByEmail | ForgotByPhone

ResetCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$"),
                      Field(json_schema_extra={"examples": ["123456"]})]
ResetToken = Annotated[str, StringConstraints(min_length=20, max_length=200, pattern=r"^[A-Za-z0-9_.-]+$")]


class ResetByToken(Input):
    """With the token of the emailed link."""
    token: ResetToken
    new_password: NewPassword


class ResetByEmailCode(Input):
    """With the SMS code, naming the account by its email."""
    email: Email
    code: ResetCode
    new_password: NewPassword


class ResetByPhoneCode(Input):
    """With the SMS code, naming the account by its phone number."""
    phone_number: Phone
    code: ResetCode
    new_password: NewPassword


ResetPasswordIn = ResetByToken | ResetByEmailCode | ResetByPhoneCode


class ChangePasswordIn(Input):
    current_password: AnyPassword
    new_password: NewPassword
