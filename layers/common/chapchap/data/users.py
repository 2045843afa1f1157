"""Users and their unique emails.

    USER#<id>     / PROFILE      the user (password hash included; never leaves this layer
                                 except through `public_user`)
    gsi1: USERSBY#<role>#<status>#<YYYY-MM> / <created_at>#<id>
                                 users of one role and status by creation month (admin filters)
    gsi2: USERS#<YYYY-MM> / <created_at>#<id>    users by creation month (business time)
    gsi3: USERSLOGIN#<role>#<status>#<YYYY-MM of last_login> / <last_login>#<id>
                                 users by last sign-in (sparse: only users who signed in),
                                 rewritten by every sign-in in the same write as `last_login`
    EMAIL#<email> / EMAIL        one per email, written in the same transaction as the user
                                 with attribute_not_exists: the uniqueness guarantee
    gsi1: EMAILS#<first character> / <email>     email prefix search (admin `q`)
    PHONE#<255XXXXXXXXX> / PHONE the account a phone number resets (password reset by SMS):
                                 written when an account takes the number, the latest one
                                 wins; trusted only while that user still has the number

Role and status are part of the admin index keys rather than filters: admins and suspended
users are few, and a filter over all users would read the whole table to find them.
"""
from __future__ import annotations

import uuid
from typing import Any

from chapchap import clock
from chapchap.data import table, user_index

ROLES = ("user", "admin")
NO_USER_ID = "none"  # not a uuid: no user has it (read when an email is unknown, see accounts.login)
STATUSES = ("active", "suspended")


def user_key(user_id: str) -> tuple[str, str]:
    return f"USER#{user_id}", "PROFILE"


def email_key(email: str) -> tuple[str, str]:
    return f"EMAIL#{email}", "EMAIL"


def phone_key(phone: str) -> tuple[str, str]:
    return f"PHONE#{phone}", "PHONE"


def phone_op(user: dict[str, Any]) -> dict:
    """Point the user's phone number at the user (unconditional: the latest account wins)."""
    pk, sk = phone_key(user["phone_number"])
    return table.put_op({"pk": pk, "sk": sk, "type": "phone", "user_id": user["id"],
                         "updated_at": clock.now_iso()})


def user_of_phone(index_item: dict[str, Any] | None, user: dict[str, Any] | None, phone: str) -> dict[str, Any] | None:
    """The user a phone index item names, if that user still has the number."""
    if index_item and user and user.get("phone_number") == phone:
        return user
    return None


DEFAULT_LOCALE = "sw"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _month_of(iso_time: str) -> str:
    return clock.business_month(clock.parse_iso(iso_time))


def created_index(user: dict[str, Any]) -> dict[str, str]:
    """gsi1 of a user: its role, status and creation month (admin lists with filters)."""
    return {"gsi1pk": f"USERSBY#{user['role']}#{user['status']}#{_month_of(user['created_at'])}",
            "gsi1sk": f"{user['created_at']}#{user['id']}"}


def login_index(user: dict[str, Any], last_login: str | None = None) -> dict[str, str]:
    """gsi3 of a user who signed in: role, status and the month of `last_login`."""
    last_login = last_login or user.get("last_login")
    if not last_login:
        return {}
    return {"gsi3pk": f"USERSLOGIN#{user['role']}#{user['status']}#{_month_of(last_login)}",
            "gsi3sk": f"{last_login}#{user['id']}"}


def email_index(email: str) -> dict[str, str]:
    """gsi1 of an email item: partitioned by first character, sorted by the whole email."""
    return {"gsi1pk": f"EMAILS#{email[:1]}", "gsi1sk": email}


def new_user(*, email: str, full_name: str, password_hash: str, phone_number: str | None,
             role: str = "user") -> dict[str, Any]:
    moment = clock.now()
    now = clock.iso(moment)
    user_id = str(uuid.uuid4())
    pk, sk = user_key(user_id)
    user = {
        "pk": pk, "sk": sk, "type": "user",
        "id": user_id, "email": normalize_email(email), "full_name": full_name.strip(),
        "phone_number": phone_number, "role": role, "status": "active", "locale": DEFAULT_LOCALE,
        "password_hash": password_hash, "session_epoch": 0,
        "created_at": now, "updated_at": now, "last_login": None,
        "gsi2pk": f"USERS#{clock.business_month(moment)}", "gsi2sk": f"{now}#{user_id}",
    }
    return {**user, **created_index(user)}


def create_ops(user: dict[str, Any]) -> list[dict]:
    """The user and its email item; both fail if they exist. Email is operation index 1.
    Callers add `user_index.index_ops(user)` last (the admin search's items)."""
    email_pk, email_sk = email_key(user["email"])
    return [
        table.put_op(user, condition="attribute_not_exists(pk)"),
        table.put_op({"pk": email_pk, "sk": email_sk, "type": "email", "user_id": user["id"],
                      "email": user["email"], "created_at": user["created_at"], **email_index(user["email"])},
                     condition="attribute_not_exists(pk)"),
    ]


def public_user(user: dict[str, Any]) -> dict[str, Any]:
    """The `user` object of the API (docs/api.md): never the password hash or internal keys."""
    return {
        "id": user["id"], "email": user["email"], "full_name": user["full_name"],
        "phone_number": user.get("phone_number"), "role": user["role"], "status": user["status"],
        "created_at": user["created_at"], "last_login": user.get("last_login"),
        "locale": user.get("locale") or DEFAULT_LOCALE,
    }


def get(user_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
    return table.get(*user_key(user_id), consistent=consistent)


def update_profile(user_id: str, changes: dict[str, Any], *, before: dict[str, Any] | None = None) -> dict[str, Any]:
    """Set the given fields; raises ConditionFailed if the user is gone. A new phone number
    is pointed at the user (one more write) so a reset by SMS finds the account.

    With `before` (the user as read) and a new name or number: one transaction instead, the
    update conditioned on the name and number read, with the search index rewritten
    (user_index.reindex_ops) and the PHONE# item; raises TransactionFailed when the user is
    gone or changed meanwhile."""
    if before is not None and any(k in changes and changes[k] != before.get(k) for k in ("full_name", "phone_number")):
        return _update_indexed(before, changes)
    sets, removes, names, values = table.field_changes(changes)
    updated = table.update(*user_key(user_id), table.set_remove(sets + ["updated_at = :now"], removes),
                           condition="attribute_exists(pk)", names=names, return_new=True,
                           now=clock.now_iso(), **values)
    if changes.get("phone_number"):
        table.transact([phone_op(updated)])
    return updated


def _update_indexed(before: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    now = clock.now_iso()
    sets, removes, names, values = table.field_changes(changes)
    names.update({"#full_name": "full_name", "#phone_number": "phone_number"})  # one placeholder per name
    condition = "attribute_exists(pk) AND #full_name = :old_name AND " + (
        "#phone_number = :old_phone" if before.get("phone_number") else
        "(attribute_not_exists(#phone_number) OR attribute_type(#phone_number, :null_type))")
    extra = {"old_name": before["full_name"]}
    extra.update({"old_phone": before["phone_number"]} if before.get("phone_number") else {"null_type": "NULL"})
    after = {**before, **changes, "updated_at": now}
    ops = [table.update_op(*user_key(before["id"]), table.set_remove(sets + ["updated_at = :now"], removes),
                           condition=condition, names=names, now=now, **values, **extra),
           *user_index.reindex_ops(before, after)]
    if changes.get("phone_number") and changes["phone_number"] != before.get("phone_number"):
        ops.append(phone_op(after))
    table.transact(ops)
    return after


def new_password_op(user: dict[str, Any], password_hash: str) -> dict:
    """A new password that ends every session (their epoch no longer matches); conditioned on
    the epoch read, so a racing password change is not overwritten."""
    epoch = int(user["session_epoch"])
    return table.update_op(*user_key(user["id"]),
                           "SET password_hash = :hash, session_epoch = :new, updated_at = :now",
                           condition="session_epoch = :old", hash=password_hash, new=epoch + 1, old=epoch,
                           now=clock.now_iso())


def by_email_prefix(prefix: str, *, limit: int, forward: bool,
                    start_key: dict | None) -> tuple[list[dict[str, Any]], dict | None]:
    """Users whose email starts with `prefix`, in email order: one Query on the email items'
    index, then one BatchGetItem of their users (a user deleted in between is left out)."""
    prefix = normalize_email(prefix)
    emails, last = table.query(index="gsi1", pk_name="gsi1pk", pk=email_index(prefix)["gsi1pk"],
                               sk_condition="begins_with(gsi1sk, :prefix)", sk_values={"prefix": prefix},
                               limit=limit, forward=forward, start_key=start_key)
    found = table.batch_get([user_key(item["user_id"]) for item in emails])
    return [found[user_key(item["user_id"])] for item in emails if user_key(item["user_id"]) in found], last


# ---------------------------------------------------------------- the active admins
# ADMINS / COUNT   `active_admins`: how many users are role=admin and status=active. Moved in
# the same transaction as every change that makes or unmakes one, with conditions, so "at
# least one active admin remains" holds under concurrent changes (a read-then-write would
# let two admins remove each other at the same moment).
ADMINS_KEY = ("ADMINS", "COUNT")


def is_active_admin(user: dict[str, Any]) -> bool:
    return user.get("role") == "admin" and user.get("status") == "active"


def admin_count_ops(delta: int) -> list[dict]:
    """The counter's move in a transaction. Adding needs the counter to exist (an ADD on a
    missing item would start it at 1 whatever the admins already there: see
    `count_active_admins`); removing needs one more than the admins removed."""
    if delta == 0:
        return []
    if delta > 0:
        return [table.update_op(*ADMINS_KEY, "ADD active_admins :delta", condition="attribute_exists(active_admins)",
                                delta=delta)]
    return [table.update_op(*ADMINS_KEY, "ADD active_admins :delta", condition="active_admins > :keep",
                            delta=delta, keep=-delta)]


def actor_check_op(actor_id: str) -> dict:
    """In an admin's transaction: the actor is still an active admin when it commits (the
    request guard's read may be a moment old; a demotion in between must stop the change)."""
    return table.condition_op(*user_key(actor_id), "#role = :admin AND #status = :active",
                              names={"#role": "role", "#status": "status"}, admin="admin", active="active")


def active_admins() -> int | None:
    item = table.get(*ADMINS_KEY, consistent=True)
    return int(item["active_admins"]) if item else None


def count_active_admins() -> int:
    """Start the counter for data from before it existed: count the active admins (gsi1,
    one Query per creation month over the last ten years) and put the count unless
    the counter exists by then. Runs once per deployment, when a transaction that moves the
    counter finds it missing; adding an admin needs the counter, so no admin can be added
    between the count and the put without the put seeing it... except one the index has not
    shown yet (gsi1 is eventually consistent: a promotion in the same second as the first
    admin change after the upgrade). Returns the counter's value."""
    from chapchap.data.buckets import MAX_MONTHS, months

    today = clock.business_date()
    first = today.replace(year=today.year - MAX_MONTHS // 12 + 1, day=1)  # MAX_MONTHS, this month last
    total = 0
    for month in months(first, today):
        start: dict | None = None
        while True:
            found, start = table.query(index="gsi1", pk_name="gsi1pk", pk=f"USERSBY#admin#active#{month}",
                                       start_key=start)
            total += len(found)
            if start is None:
                break
    try:
        table.transact([table.put_op({"pk": ADMINS_KEY[0], "sk": ADMINS_KEY[1], "type": "counter",
                                      "active_admins": total}, condition="attribute_not_exists(pk)")])
    except table.TransactionFailed:
        pass  # another request started it first
    return active_admins() or 0
