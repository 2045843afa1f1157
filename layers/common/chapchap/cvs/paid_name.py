"""Paid CVs keep their person: one payment prints one person's CV.

After payment, a new `content.basics.name` must be a correction of the name the CV was paid
for: `difflib.SequenceMatcher` ratio of the case-folded names (spaces collapsed) at least
SIMILARITY. Anything else is refused (409 PAID_CV_LOCKED) and changes nothing. Removing the
name counts as another person (ratio 0). Everything else in the CV stays editable.

The name compared against is the one the CV was paid for, kept as `locked_name` by the first
content change after payment (until then it is the current name, since nothing else changes
content): comparing with the current name instead would let small steps, each a
"correction", walk to anyone. A CV paid without a name takes the first name it is given.
While unpaid, `locked_name` is removed by every content change, so a CV paid again is locked
to its name at that payment. Admins change the name freely (chapchap/admin/cvs.py); their
change becomes the locked name.

The checks ride in the update's own write as conditions (no extra DynamoDB call): an unpaid
CV's change is conditioned on it still being unpaid, a paid one's on `locked_name` as read.
"""
from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

from chapchap.data import cvs as cv_data
from chapchap.errors import Conflict

SIMILARITY = 0.8


def name_of(content: dict[str, Any] | None) -> str:
    basics = (content or {}).get("basics")
    name = basics.get("name") if isinstance(basics, dict) else None
    return " ".join(name.split()) if isinstance(name, str) else ""


def is_correction(old: str, new: str) -> bool:
    """True when `new` is the same person as `old`, at most corrected."""
    return SequenceMatcher(None, old.casefold(), new.casefold()).ratio() >= SIMILARITY


def check(cv: dict[str, Any], content: dict[str, Any] | None) -> cv_data.NameLock:
    """For an owner's update of `cv`: raises PAID_CV_LOCKED for another person's name on a paid
    CV, else returns what the write must carry. `content` None: the update leaves it alone."""
    if content is None:
        return cv_data.NameLock()
    if not cv.get("is_paid"):
        return cv_data.name_lock(paid=False)
    new = name_of(content)
    locked = cv.get("locked_name")
    anchor = locked if locked is not None else name_of(cv_data.content_of(cv))
    if anchor and not is_correction(anchor, new):
        raise Conflict("This CV is paid for, so it keeps the name it was paid for: correct the "
                       "spelling if you need to, or make a new CV for someone else.",
                       code="PAID_CV_LOCKED",
                       details=[{"field": "content.basics.name", "location": "body",
                                 "message": "another person's name on a paid CV"}])
    return cv_data.name_lock(paid=True, seen=locked, lock=anchor or new)
