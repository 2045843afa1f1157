"""Users and their unique emails.

    USER#<id>     / PROFILE      the user (password hash included; never leaves this layer
                                 except through `public_user`)
    gsi2: USERS#<YYYY-MM> / <created_at>#<id>    users by creation month (business time)
    EMAIL#<email> / EMAIL        one per email, written in the same transaction as the user
                                 with attribute_not_exists: the uniqueness guarantee
"""
from __future__ import annotations

import uuid
from typing import Any

from chapchap import clock
from chapchap.data import table

ROLES = ("user", "admin")
STATUSES = ("active", "suspended")


def user_key(user_id: str) -> tuple[str, str]:
    return f"USER#{user_id}", "PROFILE"


def email_key(email: str) -> tuple[str, str]:
    return f"EMAIL#{email}", "EMAIL"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def new_user(*, email: str, full_name: str, password_hash: str, phone_number: str | None,
             role: str = "user") -> dict[str, Any]:
    moment = clock.now()
    now = clock.iso(moment)
    user_id = str(uuid.uuid4())
    pk, sk = user_key(user_id)
    return {
        "pk": pk, "sk": sk, "type": "user",
        "id": user_id, "email": normalize_email(email), "full_name": full_name.strip(),
        "phone_number": phone_number, "role": role, "status": "active",
        "password_hash": password_hash, "session_epoch": 0,
        "created_at": now, "updated_at": now, "last_login": None,
        "gsi2pk": f"USERS#{clock.business_month(moment)}", "gsi2sk": f"{now}#{user_id}",
    }


def create_ops(user: dict[str, Any]) -> list[dict]:
    """The user and its email item; both fail if they exist. Email is operation index 1."""
    email_pk, email_sk = email_key(user["email"])
    return [
        table.put_op(user, condition="attribute_not_exists(pk)"),
        table.put_op({"pk": email_pk, "sk": email_sk, "type": "email", "user_id": user["id"],
                      "created_at": user["created_at"]}, condition="attribute_not_exists(pk)"),
    ]


def public_user(user: dict[str, Any]) -> dict[str, Any]:
    """The `user` object of API.md: never the password hash or internal keys."""
    return {
        "id": user["id"], "email": user["email"], "full_name": user["full_name"],
        "phone_number": user.get("phone_number"), "role": user["role"], "status": user["status"],
        "created_at": user["created_at"], "last_login": user.get("last_login"),
    }


def get(user_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
    return table.get(*user_key(user_id), consistent=consistent)


def update_profile(user_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Set the given fields; raises ConditionFailed if the user is gone."""
    names = {f"#{k}": k for k in changes}
    removes = [k for k, v in changes.items() if v is None]
    expression = "SET " + ", ".join([f"#{k} = :{k}" for k, v in changes.items() if v is not None]
                                    + ["updated_at = :now"])
    if removes:
        expression += " REMOVE " + ", ".join(f"#{k}" for k in removes)
    return table.update(*user_key(user_id), expression, condition="attribute_exists(pk)",
                        names=names, return_new=True, now=clock.now_iso(),
                        **{k: v for k, v in changes.items() if v is not None})
