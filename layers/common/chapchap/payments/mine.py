"""The payer's own payments: the list, one payment, and verify (ask Selcom now)."""
from __future__ import annotations

import re
from typing import Any

from chapchap import cursor
from chapchap.data import payments as pay_data
from chapchap.errors import NotFound
from chapchap.payments import confirm as confirming
from chapchap.settings import settings


def own_payment(user: dict[str, Any], reference: str) -> dict[str, Any]:
    payment = pay_data.get(reference.upper()) if re.fullmatch(r"[A-Za-z0-9]{4,32}", reference or "") else None
    if not payment or payment["user_id"] != user["id"]:
        raise NotFound("No such payment.")
    return payment


def verify(user: dict[str, Any], reference: str) -> dict[str, Any]:
    payment = own_payment(user, reference)
    if payment["status"] != "pending":
        return pay_data.public_payment(payment)
    # At most one question to Selcom every few seconds per payment (webhooks share the turn).
    if not pay_data.claim_status_check(payment["reference"], interval_seconds=settings().status_check_interval_seconds):
        return pay_data.public_payment(payment)
    return pay_data.public_payment(confirming.confirm(payment, source="verify"))


def list_mine(user: dict[str, Any], *, limit: int, page: str | None) -> tuple[list[dict], str | None]:
    scope = f"payments:{user['id']}"
    items, last = pay_data.list_for_user(user["id"], limit=limit, start_key=cursor.decode(page, scope))
    return [pay_data.public_payment(p) for p in items], cursor.encode(last, scope)
