"""Field types used by several models."""
from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from chapchap.phone import PATTERN as PHONE_PATTERN
from chapchap.phone import normalize_phone

_SPACE = " \t\n\r\f\v"  # ASCII whitespace: the same for Python and the ECMA-262 pattern clients use
# Invisible characters an email must not hold (Unicode categories Cc control, Cf format, Zl
# and Zp separators) in the Basic Multilingual Plane, as a class both Python and ECMA-262
# (without the u flag) read alike: NUL, U+202E (right-to-left override, shows "moc.elpmaxe"
# for "example.com"), U+200B (zero-width space: two "identical" addresses), U+FEFF, ... They
# make addresses that look like another one in the admin lists, or break mail and logs.
# Written out rather than computed, so the document does not change with Python's Unicode
# version; a test checks it against the running Python's `unicodedata`. The few such
# characters beyond the BMP (U+110BD, U+E0001, ...) are refused by `_email` itself.
INVISIBLE = (r"\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e"
             r"\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb")
_INVISIBLE_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")
_NOT = rf"[^@ {INVISIBLE}]+"
EMAIL_PATTERN = rf"^[ \t\n\r\f\v]*{_NOT}@{_NOT}\.{_NOT}[ \t\n\r\f\v]*$"
_EMAIL = re.compile(rf"^{_NOT}@{_NOT}\.{_NOT}$")


def _email(value: str) -> str:
    value = value.strip(_SPACE).lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("must be an email address such as name@example.com")
    if any(unicodedata.category(c) in _INVISIBLE_CATEGORIES for c in value):
        raise ValueError("must not contain control, format or zero-width characters")
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
