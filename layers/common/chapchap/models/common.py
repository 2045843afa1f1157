"""Field types used by several models."""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from chapchap.phone import PATTERN as PHONE_PATTERN
from chapchap.phone import normalize_phone

_SPACE = " \t\n\r\f\v"  # ASCII whitespace: the same for Python and the ECMA-262 pattern clients use
_NOT = r"[^@ \t\n\r\f\v]+"
EMAIL_PATTERN = rf"^[ \t\n\r\f\v]*{_NOT}@{_NOT}\.{_NOT}[ \t\n\r\f\v]*$"
_EMAIL = re.compile(rf"^{_NOT}@{_NOT}\.{_NOT}$")


def _email(value: str) -> str:
    value = value.strip(_SPACE).lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("must be an email address such as name@example.com")
    return value


def _password(value: str) -> str:
    size = len(value.encode("utf-8"))
    if size < 8:
        raise ValueError("must be at least 8 characters")
    if size > 72:
        raise ValueError("must be at most 72 bytes (bcrypt's limit); use a shorter passphrase")
    return value


# The json_schema_extra parts tell API clients (and the contract fuzzer) the rules the
# validators enforce, so a request the document allows is not refused.
Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(_email),
                  Field(json_schema_extra={"pattern": EMAIL_PATTERN, "maxLength": 254,
                                           "examples": ["amina@example.com"]})]
NewPassword = Annotated[str, StringConstraints(max_length=200), AfterValidator(_password),
                        Field(json_schema_extra={"minLength": 8, "maxLength": 72,
                                                 "description": "8 to 72 bytes in UTF-8 (bcrypt's limit)"})]
AnyPassword = Annotated[str, StringConstraints(min_length=1, max_length=200)]
NotBlank = Field(json_schema_extra={"pattern": r"\S"})  # surrounding spaces are trimmed, so not only spaces
FullName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), NotBlank]
Phone = Annotated[str, StringConstraints(max_length=32), AfterValidator(normalize_phone),
                  Field(json_schema_extra={"pattern": PHONE_PATTERN, "examples": ["0712345678"]})]
Uuid = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F-]{32,36}$")]


# For an update: absent means "leave it"; null is refused by the field's type. A factory,
# not `default=None`, so the document shows no `default: null` on a field that may not be null.
Unchanged = Field(default_factory=lambda: None)


class Input(BaseModel):
    """Request bodies: unknown fields are an error, so a typo or `role` is never ignored."""

    model_config = ConfigDict(extra="forbid", str_max_length=100_000)
