"""Admin: users. List with filters, create, read, update, delete, and a user's CVs.

Every change is one transaction together with its audit entry (before/after as the `user`
object, never a password hash). DynamoDB calls per request, besides the guard's BatchGetItem:
    list             sort=created_at: 1 Query per month of the range (2 with role or status
                     alone, 1 with both); sort=last_login: 4 per month (2 with role or status
                     alone, 1 with both); q: 1 Query + 1 BatchGetItem (an email with '@', a
                     phone number), 2 Queries + 1 BatchGetItem (email or name prefix)
    create           1 transaction
    read             1 GetItem
    update           1 GetItem + 1 transaction
    delete           1 GetItem + 1 Query + 1 transaction (+1 conditional write per CV beyond 90)
(+1 GetItem, up to 120 Queries and 1 transaction, once per deployment, to start the admin
counter for data from before it: see `users.count_active_admins`).

Every change is conditioned, in its own transaction, on the actor still being an active
admin (a ConditionCheck on the actor's user item), and every change that makes or unmakes an
active admin moves the ADMINS counter with a condition that one always remains.
    CVs of a user    1 GetItem + 1 Query
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chapchap import audit, clock, cursor
from chapchap.admin import query as admin_query
from chapchap.auth.passwords import admin_password_problem, hash_password
from chapchap.data import buckets, counters, merged, table, user_index, users
from chapchap.data import cvs as cv_data
from chapchap.data.cvs import Owner
from chapchap.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chapchap.phone import InvalidPhone, normalize_phone

if TYPE_CHECKING:  # pydantic body models: the routes that take them import them
    from chapchap.models.admin import AdminUserCreateIn, AdminUserUpdateIn

SORTS = ("created_at", "last_login")
# CVs detached in the deleting transaction itself; more are detached right after, one by one.
# With the user's items, their search index, the actor check and the counter: at most 100.
DELETE_CVS_IN_TRANSACTION = 100 - 5 - user_index.MAX_WORDS - 1


# ---------------------------------------------------------------- list
def list_users(params: dict[str, str] | None) -> tuple[list[dict], int, str | None]:
    params = params or {}
    searching = "q" in params
    query = admin_query.read(params, allowed=("role", "status", "q"), sorts=SORTS, default_range=not searching)
    role = query.choice("role", users.ROLES)
    status = query.choice("status", users.STATUSES)
    if searching:
        return _search(query, role, status)
    query.check()
    scope = query.scope("admin-users", role=role, status=status)
    common = dict(first=query.first, last=query.last, limit=query.limit, page_cursor=query.cursor,
                  scope=scope, newest_first=query.newest_first)
    combos = [f"{r}#{s}" for r in ((role,) if role else users.ROLES) for s in ((status,) if status else users.STATUSES)]
    if query.sort == "last_login":
        items, next_cursor = merged.page(index="gsi3", groups=[[f"USERSLOGIN#{c}" for c in combos]], **common)
    elif role or status:
        items, next_cursor = merged.page(index="gsi1", groups=[[f"USERSBY#{c}" for c in combos]], **common)
    else:
        items, next_cursor = buckets.page(index="gsi2", prefix="USERS", **common)
    return [users.public_user(item) for item in items], query.limit, next_cursor


def search_kind(q: str) -> str:
    """How `q` is read: "email" with an '@', "phone" when it is a phone number in any
    accepted form, else "email_or_name" (a prefix of the email or of any word of the name)."""
    if "@" in q:
        return "email"
    try:
        normalize_phone(q)
    except InvalidPhone:
        return "email_or_name"
    return "phone"


def _search(query: admin_query.ListQuery, role: str | None,
            status: str | None) -> tuple[list[dict], int, str | None]:
    """`q`: an email prefix (with '@'), a phone number (every account holding it, exact), or
    else users whose email or any word of whose name starts with it (case and accents
    ignored), in the order of the matched text (ascending unless order=desc); role, status,
    from and to narrow the page after reading it (a page may come back short)."""
    q = query.text("q", max_length=254, message="must be 1 to 254 characters: an email prefix, a phone number "
                                                 "or the start of a name")
    if "sort" in query.raw:
        query.bad("sort", "cannot be combined with q: matches come in the order of the matched text")
    query.check()
    query.order = query.raw.get("order", "asc")
    kind = search_kind(q)
    if kind == "phone":
        found, last = _by_phone(normalize_phone(q), query.limit), None
    else:
        scope = query.scope("admin-users-q", q=q, role=role, status=status)
        state = cursor.decode(query.cursor, scope)
        if kind == "email":
            found, next_state = users.by_email_prefix(users.normalize_email(q), limit=query.limit,
                                                      forward=query.order == "asc", start_key=state)
        else:
            found, next_state = _by_email_or_name(q, query.limit, query.order == "asc", state)
        last = cursor.encode(next_state, scope)
    lower = clock.iso(clock.business_day_bounds(query.first)[0]) if query.first else ""
    upper = clock.iso(clock.business_day_bounds(query.last)[1]) if query.last else "~"
    kept = [u for u in found if (not role or u["role"] == role) and (not status or u["status"] == status)
            and lower <= u["created_at"] < upper]
    return [users.public_user(u) for u in kept], query.limit, last


MAX_PHONE_MATCHES = 100  # accounts sharing one number: a family phone, a shop's; never many


def _by_phone(phone: str, limit: int) -> list[dict[str, Any]]:
    """Every account holding the number, oldest first: 1 Query + 1 BatchGetItem. One page
    (no cursor): a number is shared by few accounts; at most `MAX_PHONE_MATCHES`."""
    ids = user_index.user_ids_by_phone(phone, limit=MAX_PHONE_MATCHES)
    found = table.batch_get([users.user_key(i) for i in ids])
    matches = [found[users.user_key(i)] for i in ids
               if users.user_key(i) in found and found[users.user_key(i)].get("phone_number") == phone]
    return sorted(matches, key=lambda u: (u["created_at"], u["id"]))


def _by_email_or_name(q: str, limit: int, forward: bool,
                      state: dict | None) -> tuple[list[dict[str, Any]], dict | None]:
    """Two keyed sources merged in the order of the matched text: email items (gsi1
    `EMAILS#<c>`, begins_with the lowercased q) and name-word items (`NAMEWORD#<ab>`,
    begins_with the folded longest word of q). Each source is read from where the last page
    stopped, `limit` items at most: 2 Queries + 1 BatchGetItem per page. With several words
    every word must start a word of the name (checked on the users read), and emails, which
    hold no space, are not searched. A name match whose email also starts with q is left to
    the email source (name items carry the email, which never changes), so such a user comes
    once, in email order; a user with two words starting with q is shown once per page."""
    terms = user_index.words(q)
    email = users.normalize_email(q)
    longest = max(terms, key=len) if terms else None
    # Per source: {} not read yet, a key to go on from, None finished (or not searched).
    emails_searched = " " not in email
    state = {"e": {} if emails_searched else None, "n": {} if longest else None, **(state or {})}
    sources: list[tuple[str, list[dict], dict | None]] = []
    if state["e"] is not None:
        items, more = table.query(index="gsi1", pk_name="gsi1pk", pk=users.email_index(email)["gsi1pk"],
                                  sk_condition="begins_with(gsi1sk, :prefix)", sk_values={"prefix": email},
                                  limit=limit, forward=forward, start_key=state.get("e") or None)
        sources.append(("e", [{"text": i["email"], "user_id": i["user_id"], "key": _key(i, "gsi1")} for i in items],
                        more))
    if longest and state["n"] is not None:
        items, more = user_index.by_name_prefix(longest, limit=limit, forward=forward,
                                                start_key=state.get("n") or None)
        sources.append(("n", [{"text": i["word"], "user_id": i["user_id"], "key": _key(i, None),
                               "skip": emails_searched and (i.get("email") or "").startswith(email)} for i in items],
                        more))
    merged_rows = sorted(((row, name) for name, rows, _ in sources for row in rows),
                         key=lambda pair: (pair[0]["text"], pair[1], pair[0]["user_id"]), reverse=not forward)
    # Hand out rows in order until the first source whose unread rows could come before.
    handed: list[tuple[dict, str]] = []
    limits = {name: rows[-1]["text"] for name, rows, more in sources if more and rows}
    for row, name in merged_rows:
        if sum(1 for r, _ in handed if not r.get("skip")) >= limit:
            break
        if any((row["text"] > edge) if forward else (row["text"] < edge)
               for other, edge in limits.items() if other != name):
            break
        handed.append((row, name))
    next_state: dict[str, Any] | None = {"e": state["e"], "n": state["n"]}
    for name, rows, more in sources:
        mine = [row for row, n in handed if n == name]
        if mine:
            next_state[name] = mine[-1]["key"] if (more or len(mine) < len(rows)) else None
        elif not rows:
            next_state[name] = None  # finished
    if next_state["e"] is None and next_state["n"] is None:
        next_state = None
    ids = list(dict.fromkeys(row["user_id"] for row, _ in handed if not row.get("skip")))
    found = table.batch_get([users.user_key(i) for i in ids])
    result = []
    for user_id in ids:
        user = found.get(users.user_key(user_id))
        if user and all(any(word.startswith(t) for word in user_index.words(user.get("full_name") or ""))
                        or users.normalize_email(user["email"]).startswith(email) for t in terms or [email]):
            result.append(user)
    return result, next_state


def _key(item: dict[str, Any], index: str | None) -> dict[str, Any]:
    key = {"pk": item["pk"], "sk": item["sk"]}
    if index:
        key.update({f"{index}pk": item[f"{index}pk"], f"{index}sk": item[f"{index}sk"]})
    return key


# ---------------------------------------------------------------- one user
def _get(user_id: str) -> dict[str, Any]:
    user = users.get(user_id, consistent=True) if user_id else None
    if user is None:
        raise NotFound("No such user.")
    return user


def read(user_id: str) -> dict[str, Any]:
    return users.public_user(_get(user_id))


def _commit(ops: list[dict], *, actor_at: int | None, counter_at: int | None, changed_at: int,
            conflict: str) -> None:
    """Commit an admin's change. The actor check (`actor_at`) and the admin counter
    (`counter_at`) are in the transaction, not read before it: see `users.admin_count_ops`."""
    for first_try in (True, False):
        try:
            table.transact(ops)
            return
        except table.TransactionFailed as exc:
            if actor_at is not None and exc.failed_at(actor_at):
                raise Forbidden("This needs an administrator account.", code="FORBIDDEN") from None
            if exc.failed_at(changed_at):
                raise Conflict(conflict, code="CONCURRENT_UPDATE") from None
            if counter_at is not None and exc.failed_at(counter_at):
                if first_try and users.active_admins() is None:
                    users.count_active_admins()  # data from before the counter: start it, retry
                    continue
                raise Conflict("This would leave no active administrator. Make another user an "
                               "administrator first.", code="LAST_ADMIN") from None
            raise


def _guarded(ops: list[dict], actor: dict[str, Any], delta: int) -> tuple[list[dict], int | None, int | None]:
    """`ops` + the actor check + the counter's move, with their indexes."""
    counter = users.admin_count_ops(delta)
    return (ops + [users.actor_check_op(actor["id"])] + counter, len(ops),
            len(ops) + 1 if counter else None)


def create(actor: dict[str, Any], data: AdminUserCreateIn) -> dict[str, Any]:
    if data.role == "admin":
        problem = admin_password_problem(data.password, user_inputs=(data.email, data.full_name))
        if problem:
            raise ValidationFailed.field("password", problem)
    user = users.new_user(email=data.email, full_name=data.full_name, phone_number=data.phone_number,
                          password_hash=hash_password(data.password), role=data.role)
    shown = users.public_user(user)
    ops, actor_at, counter_at = _guarded(
        users.create_ops(user) + counters.add_ops({"users": 1})
        + [audit.entry_op(actor=actor, action="user.create", entity="user", entity_id=user["id"],
                          before=None, after=shown)]
        + ([users.phone_op(user)] if user["phone_number"] else [])  # a reset by SMS finds it
        + user_index.index_ops(user),
        actor, 1 if users.is_active_admin(user) else 0)
    try:
        _commit(ops, actor_at=actor_at, counter_at=counter_at, changed_at=1, conflict="")
    except Conflict as exc:
        if exc.code == "CONCURRENT_UPDATE":  # the email item (index 1)
            raise Conflict("An account with this email already exists.", code="EMAIL_TAKEN") from None
        raise
    return shown


def update_ops(actor: dict[str, Any], user: dict[str, Any], data: AdminUserUpdateIn) -> list[dict]:
    """The transaction of an update, built from the reads of `actor` and `user` (public for
    the tests that race two of them)."""
    return _update_plan(actor, user, data)[0]


def _update_plan(actor: dict[str, Any], user: dict[str, Any],
                 data: AdminUserUpdateIn) -> tuple[list[dict], dict[str, Any], int | None, int | None]:
    user_id = user["id"]
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v != user.get(k)}
    if user_id == actor["id"] and (changes.get("role") == "user" or changes.get("status") == "suspended"):
        raise Conflict("You cannot demote or suspend your own account. Ask another administrator.",
                       code="OWN_ACCOUNT")
    after = {**user, **changes}
    if not changes:
        return [], after, None, None
    now = clock.now_iso()
    sets, removes, names, values = table.field_changes(changes)
    names["#updated"] = "updated_at"
    sets.append("#updated = :now")
    values.update(now=now, old_updated=user["updated_at"])
    condition = "attribute_exists(pk) AND #updated = :old_updated"
    if "role" in changes or "status" in changes:
        # The admin index keys name role and status (gsi1 always, gsi3 once signed in).
        index = {**users.created_index(after), **users.login_index(after)}
        for name, value in index.items():
            sets.append(f"{name} = :{name}")
            values[name] = value
        if user.get("last_login"):
            condition += " AND last_login = :old_login"
            values["old_login"] = user["last_login"]
        else:
            condition += " AND attribute_not_exists(last_login)"
    if changes.get("status") == "suspended":  # every session ends, not only until reactivation
        sets.append("session_epoch = session_epoch + :one")
        values["one"] = 1
    own = user_id == actor["id"]
    if own:  # one write per item: the actor check goes into the update's own condition
        condition += " AND #actor_role = :actor_role AND #actor_status = :actor_status"
        names.update({"#actor_role": "role", "#actor_status": "status"})
        values.update(actor_role="admin", actor_status="active")
    expression = table.set_remove(sets, removes)
    ops = [table.update_op(*users.user_key(user_id), expression, condition=condition, names=names, **values),
           audit.entry_op(actor=actor, action="user.update", entity="user", entity_id=user_id,
                          before=users.public_user(user), after=users.public_user(after))]
    if changes.get("phone_number"):  # a reset by SMS finds the account by its new number
        ops.append(users.phone_op(after))
    ops += user_index.reindex_ops(user, after)  # the admin search follows a new name or number
    delta = int(users.is_active_admin(after)) - int(users.is_active_admin(user))
    if own:
        counter = users.admin_count_ops(delta)  # 0: an admin cannot demote or suspend itself
        return ops + counter, after, None, len(ops) if counter else None
    ops, actor_at, counter_at = _guarded(ops, actor, delta)
    return ops, after, actor_at, counter_at


def update(actor: dict[str, Any], user_id: str, data: AdminUserUpdateIn) -> dict[str, Any]:
    user = _get(user_id)
    ops, after, actor_at, counter_at = _update_plan(actor, user, data)
    if not ops:
        return users.public_user(user)
    try:
        _commit(ops, actor_at=actor_at, counter_at=counter_at, changed_at=0,
                conflict="The user changed while saving (a sign-in or another edit). Reload and try again.")
    except Conflict as exc:
        if exc.code == "CONCURRENT_UPDATE" and user_id == actor["id"] and not users.is_active_admin(
                users.get(user_id, consistent=True) or {}):
            raise Forbidden("This needs an administrator account.", code="FORBIDDEN") from None
        raise
    return users.public_user(after)


def delete_ops(actor: dict[str, Any], user: dict[str, Any]) -> list[dict]:
    """The transaction of a delete, built from the reads of `actor` and `user` (public for
    the tests that race two of them)."""
    return _delete_plan(actor, user)[0]


def _delete_plan(actor: dict[str, Any], user: dict[str, Any]) -> tuple[list[dict], dict | None, int, int | None]:
    user_id = user["id"]
    cvs, more = cv_data.list_for(Owner("user", user_id), limit=DELETE_CVS_IN_TRANSACTION, start_key=None)
    now = clock.now_iso()
    ops, actor_at, counter_at = _guarded(
        [table.delete_op(*users.user_key(user_id), condition="updated_at = :seen", seen=user["updated_at"]),
         table.delete_op(*users.email_key(user["email"]), condition="user_id = :user", user=user_id),
         audit.entry_op(actor=actor, action="user.delete", entity="user", entity_id=user_id,
                        before=users.public_user(user), after=None),
         *user_index.delete_ops(user)],
        actor, -1 if users.is_active_admin(user) else 0)
    return ops + [cv_data.unown_op(cv["id"], user_id, now) for cv in cvs], more, actor_at, counter_at


def delete(actor: dict[str, Any], user_id: str) -> None:
    """Delete the user and its email; its CVs stay, unowned (`former_user_id`); its payments
    stay; its sessions end because the guard no longer finds the user."""
    if user_id == actor["id"]:
        raise Conflict("You cannot delete your own account. Ask another administrator.", code="OWN_ACCOUNT")
    user = _get(user_id)
    ops, more, actor_at, counter_at = _delete_plan(actor, user)
    _commit(ops, actor_at=actor_at, counter_at=counter_at, changed_at=0,
            conflict="The user or their CVs changed while deleting. Try again.")
    now = clock.now_iso()
    owner = Owner("user", user_id)
    while more:  # a user with more CVs than one transaction holds: detach the rest
        cvs, more = cv_data.list_for(owner, limit=100, start_key=more)
        for cv in cvs:
            try:
                table.transact([cv_data.unown_op(cv["id"], user_id, now)])
            except table.TransactionFailed:
                pass  # deleted or moved by its owner meanwhile


def list_cvs(user_id: str, params: dict[str, str] | None) -> tuple[list[dict], int, str | None]:
    """The user's CVs (not deleted ones), newest first unless order=asc."""
    query = admin_query.read(params, allowed=(), dated=False)
    query.check()
    _get(user_id)
    scope = query.scope("admin-user-cvs", user=user_id)
    items, last = cv_data.list_for(Owner("user", user_id), limit=query.limit,
                                   start_key=cursor.decode(query.cursor, scope), newest_first=query.newest_first)
    return [cv_data.public_cv(item, admin=True) for item in items], query.limit, cursor.encode(last, scope)
