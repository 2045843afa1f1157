"""Tanzanian phone numbers in the form Selcom wants: 255 followed by nine digits."""
from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")
_SEP = r"[ ().-]*"
# Exactly what normalize_phone accepts, for the API document (ECMA-262 and Python alike):
# ASCII digits only, so a number Selcom cannot dial never passes as one.
PATTERN = rf"^ *\+?{_SEP}(?:2{_SEP}5{_SEP}5{_SEP}|0{_SEP})?[67](?:{_SEP}[0-9]){{8}}{_SEP}$"


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str) -> str:
    """Accept 0712345678, +255 712 345 678, 255712345678 or 712345678; return 255712345678."""
    if not isinstance(raw, str):
        raise InvalidPhone("phone number must be a string")
    text = raw.strip(" ")
    if not re.fullmatch(r"\+?[0-9 ().-]+", text):
        raise InvalidPhone("phone number may contain only digits, spaces, dashes and a leading +")
    digits = "".join(_DIGITS.findall(text))
    if digits.startswith("255") and len(digits) == 12:
        national = digits[3:]
    elif digits.startswith("0") and len(digits) == 10:
        national = digits[1:]
    elif len(digits) == 9:
        national = digits
    else:
        raise InvalidPhone("phone number must be a Tanzanian number such as 0712345678")
    if national[0] not in "67":
        raise InvalidPhone("phone number must be a Tanzanian mobile number (06xx or 07xx)")
    return "255" + national
