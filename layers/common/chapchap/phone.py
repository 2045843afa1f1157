"""Tanzanian phone numbers in the form Selcom wants: 255 followed by nine digits."""
from __future__ import annotations

import re

_DIGITS = re.compile(r"\d+")


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str) -> str:
    """Accept 0712345678, +255 712 345 678, 255712345678 or 712345678; return 255712345678."""
    if not isinstance(raw, str):
        raise InvalidPhone("phone number must be a string")
    text = raw.strip()
    if not re.fullmatch(r"\+?[\d\s\-().]+", text):
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
