"""Who is asking, resolved at the edge: the signed-in user (checked by `entry`), else the
visitor's X-Anonymous-Id. The domain gets the result as a value (`chapchap.data.cvs.Owner`)."""
from __future__ import annotations

import re
import uuid
from typing import Any

from chapchap.data.cvs import Owner
from chapchap.errors import Unauthorized

ANONYMOUS_HEADER = "x-anonymous-id"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def owner(user: dict[str, Any] | None, headers: dict[str, str] | None, *,
          may_create: bool = False) -> tuple[Owner, str | None]:
    """The owner of the request: the signed-in user, else the X-Anonymous-Id. Returns
    (owner, new anonymous id or None). With `may_create`, a visitor with neither gets a fresh
    anonymous id (returned once, for the browser to keep)."""
    if user:
        return Owner("user", user["id"]), None
    anonymous_id = ((headers or {}).get(ANONYMOUS_HEADER) or "").strip().lower()
    if anonymous_id:
        if not _UUID.match(anonymous_id):
            # 401 like any other credential that is not valid: the header is how a visitor proves
            # they own their anonymous CVs.
            raise Unauthorized("X-Anonymous-Id must be the UUID this API gave you.", code="BAD_ANONYMOUS_ID")
        return Owner("anon", anonymous_id), None
    if may_create:
        fresh = str(uuid.uuid4())
        return Owner("anon", fresh), fresh
    raise Unauthorized("Sign in, or send the X-Anonymous-Id header you were given.", code="UNAUTHORIZED")


def owner_of(app, *, may_create: bool = False) -> tuple[Owner, str | None]:
    """`owner` for the request a handler's resolver is serving."""
    from chapchap.http import current_user

    return owner(current_user(app), app.current_event.headers, may_create=may_create)
