"""Field types used by several models."""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from chapchap.phone import normalize_phone

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    value = value.strip().lower()
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


Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(_email)]
NewPassword = Annotated[str, StringConstraints(max_length=200), AfterValidator(_password)]
AnyPassword = Annotated[str, StringConstraints(min_length=1, max_length=200)]
FullName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Phone = Annotated[str, StringConstraints(max_length=32), AfterValidator(normalize_phone)]
Uuid = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F-]{32,36}$")]


class Input(BaseModel):
    """Request bodies: unknown fields are an error, so a typo or `role` is never ignored."""

    model_config = ConfigDict(extra="forbid", str_max_length=100_000)
