"""Accounts: register, login, refresh, logout, profile and password.

Each function is a fixed, small number of DynamoDB calls (asserted in the tests):
    register         1 transaction (+1 Query with an anonymous_id: its CVs move in the same
                     transaction)
    login            1 BatchGetItem (email + both throttle windows), 1 GetItem, 1 transaction
                     (+1 Query with an anonymous_id)
    refresh          1 GetItem, 1 BatchGetItem, 1 transaction (+1 UpdateItem on reuse)
    logout           1-2 UpdateItem (+1 GetItem with a refresh token)
    update profile   1 UpdateItem; a new name or phone number: 1 transaction instead (the
                     admin search's index and the PHONE# item move with it)
    change password  1 transaction
(plus the one BatchGetItem of the request guard on authenticated routes).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from chapchap import audit, clock
from chapchap.analytics import funnel
from chapchap.auth.passwords import admin_password_problem, hash_password, verify_password
from chapchap.auth.tokens import issue_access_token
from chapchap.data import counters, sessions, table, throttle, user_index, users
from chapchap.errors import Conflict, Forbidden, Throttled, Unauthorized, ValidationFailed
from chapchap.observability import logger, metrics

if TYPE_CHECKING:  # pydantic body models: the routes that take them import them
    from chapchap.models.auth import ChangePasswordIn, LoginIn, RegisterIn, UpdateMeIn


def _token_response(user: dict[str, Any], session_id: str, refresh_token: str) -> dict[str, Any]:
    access_token, expires_in = issue_access_token(user["id"], user["role"], session_id)
    return {"user": users.public_user(user), "access_token": access_token,
            "refresh_token": refresh_token, "token_type": "bearer", "expires_in": expires_in}


def register(data: RegisterIn, *, role: str = "user") -> dict[str, Any]:
    user = users.new_user(email=data.email, full_name=data.full_name, phone_number=data.phone_number,
                          password_hash=hash_password(data.password), role=role)
    today = clock.business_date()
    user["last_login"] = user["created_at"]
    user.update(users.login_index(user))
    user["last_active_day"] = today.isoformat()
    session_id, refresh_token, session_ops = sessions.start_ops(user["id"], epoch=0)

    def ops(handed_over: int) -> list[dict]:
        return (users.create_ops(user) + session_ops + ([users.phone_op(user)] if user["phone_number"] else [])
                + counters.add_ops({"users": 1}, day=today, day_only={
                    "active_users": 1, **funnel.registered(), **funnel.handed_over(handed_over)})
                + [counters.active_marker_op(user["id"], today)] + user_index.index_ops(user))

    try:
        _commit_with_handover(ops, data.anonymous_id, user["id"])
    except table.TransactionFailed as exc:
        if exc.failed_at(1):
            raise Conflict("An account with this email already exists. Sign in instead.",
                           code="EMAIL_TAKEN") from None
        raise
    metrics.add_metric(name="UserRegistered", unit="Count", value=1)
    logger.info("user registered", extra={"user_id": user["id"]})
    return _token_response(user, session_id, refresh_token)


def login(data: LoginIn, *, source_ip: str) -> dict[str, Any]:
    email_key = users.email_key(data.email)
    throttle_keys = throttle.keys(data.email, source_ip)
    found = table.batch_get([email_key, *throttle_keys.values()], consistent=True)
    wait = throttle.retry_after(found, data.email, source_ip)
    if wait is not None:
        logger.warning("login throttled", extra={"source_ip": source_ip})
        raise Throttled("Too many failed sign-in attempts. Try again later.", retry_after=wait)

    # The same work whether or not the email exists: one GetItem (of a user that cannot exist
    # when the email is unknown) and one bcrypt check at the same cost (against a dummy hash),
    # so neither the time nor the answer tells which emails have accounts.
    email_item = found.get(email_key)
    user = users.get(email_item["user_id"] if email_item else users.NO_USER_ID, consistent=True)
    password_ok = verify_password(data.password, user.get("password_hash") if user else None)
    if user is None or not password_ok:
        table.transact(throttle.failure_ops(data.email, source_ip))
        raise Unauthorized("Email or password is incorrect.", code="INVALID_CREDENTIALS")
    if user["status"] != "active":
        raise Forbidden("This account is suspended. Contact support.", code="ACCOUNT_SUSPENDED")

    now = clock.now_iso()
    session_id, refresh_token, session_ops = sessions.start_ops(user["id"], epoch=user["session_epoch"])
    base = session_ops + [throttle.reset_email_op(data.email, source_ip)]
    # last_login and its index entry (gsi3, keyed by role and status) in the same write; the
    # condition on role and status keeps the entry right if an admin changes them meanwhile.
    login_index = users.login_index(user, now)
    for count_active in (True, False):  # a racing same-day sign-in may have counted the day
        def ops(handed_over: int, count_active: bool = count_active) -> list[dict]:
            return base + _touch_user_ops(
                user, "last_login = :now, gsi3pk = :login_pk, gsi3sk = :login_sk", count_active=count_active,
                also=funnel.handed_over(handed_over),
                condition="#role = :role AND #status = :active", names={"#role": "role", "#status": "status"},
                now=now, login_pk=login_index["gsi3pk"], login_sk=login_index["gsi3sk"], role=user["role"],
                active="active")

        try:
            _commit_with_handover(ops, data.anonymous_id, user["id"])
            break
        except table.TransactionFailed as exc:
            if not exc.failed_at(len(base)):
                raise
            if not count_active:  # an admin changed the role or status during this sign-in
                raise Conflict("Your account changed while you were signing in. Please try again.",
                               code="CONCURRENT_UPDATE") from None
    user["last_login"] = now
    return _token_response(user, session_id, refresh_token)


def _touch_user_ops(user: dict[str, Any], set_clause: str | None, *, count_active: bool,
                    also: dict[str, int] | None = None, condition: str | None = None,
                    names: dict[str, str] | None = None, **values: Any) -> list[dict]:
    """The sign-in's write on the user item, counting the user active today when they were
    not yet (one write per item per transaction: both go in the same update). `also`: more
    amounts for today's counter (the funnel's hand-over), in the same counter write."""
    today = clock.business_date()
    sets = [set_clause] if set_clause else []
    condition = "attribute_exists(pk)" + (f" AND {condition}" if condition else "")
    extra: list[dict] = []
    if count_active and user.get("last_active_day") != today.isoformat():
        sets.append("last_active_day = :today")
        condition += " AND " + counters.ACTIVE_CONDITION
        values["today"] = today.isoformat()
        extra = counters.active_marker_ops(user["id"], today, also=also)
    elif also:
        extra = counters.add_ops(also, day=today)
    if not sets:
        return extra
    return [table.update_op(*users.user_key(user["id"]), "SET " + ", ".join(sets), condition=condition,
                            names=names, **values)] + extra


def _commit_with_handover(build: Callable[[int], list[dict]], anonymous_id: str | None, user_id: str) -> None:
    """Commit `build(n)` together with moving the anonymous CVs (n of them) to the user, all
    or nothing: `build` counts the n CVs in the funnel in the same transaction.

    A CV deleted or moved between the Query and the transaction cancels only the hand-over
    part: look again and retry, so sign-in never fails because of it."""
    if not anonymous_id:
        table.transact(build(0))
        return
    from chapchap.cvs import editing as cvs  # only sign-ins carrying an anonymous id need the CV code

    for attempt in range(3):
        handover = cvs.handover_ops(anonymous_id, user_id)
        ops = build(len(handover))
        try:
            table.transact(ops + handover)
            return
        except table.TransactionFailed as exc:
            failed = [i for i, r in enumerate(exc.reasons) if r not in ("None", "")]
            if attempt == 2 or not failed or min(failed) < len(ops):
                raise


def refresh(refresh_token: str) -> dict[str, Any]:
    invalid = Unauthorized("The refresh token is not valid. Please sign in again.",
                           code="INVALID_REFRESH_TOKEN")
    token_item = sessions.find_token(refresh_token)
    if token_item is None or token_item["expires_at"] <= clock.now_iso():
        raise invalid
    user_id, session_id = token_item["user_id"], token_item["session_id"]
    user_key, session_key = users.user_key(user_id), sessions.session_key(user_id, session_id)
    found = table.batch_get([user_key, session_key], consistent=True)
    user, session = found.get(user_key), found.get(session_key)
    if user is None or session is None or session.get("revoked"):
        raise invalid
    old_hash = sessions.hash_token(refresh_token)
    if session["current_hash"] != old_hash:
        sessions.revoke(user_id, session_id)
        logger.warning("refresh token reused; session revoked", extra={"user_id": user_id})
        raise Unauthorized("This refresh token was already used. The session has been ended "
                           "for safety; please sign in again.", code="REFRESH_TOKEN_REUSED")
    if session.get("epoch") != user.get("session_epoch"):
        raise invalid
    if user["status"] != "active":
        raise Forbidden("This account is suspended. Contact support.", code="ACCOUNT_SUSPENDED")
    new_token, ops = sessions.rotate_ops(user_id, session_id, old_hash)
    for count_active in (True, False):
        try:
            table.transact(ops + _touch_user_ops(user, None, count_active=count_active))
            break
        except table.TransactionFailed as exc:
            if exc.failed_at(0):
                # Another request rotated this token first: a concurrent reuse.
                sessions.revoke(user_id, session_id)
                raise Unauthorized("This refresh token was already used. Please sign in again.",
                                   code="REFRESH_TOKEN_REUSED") from None
            if not (count_active and exc.failed_at(len(ops))):
                raise
    return _token_response(user, session_id, new_token)


def logout(user: dict[str, Any], refresh_token: str | None = None) -> None:
    sessions.revoke(user["id"], user["session_id"])
    if refresh_token:
        token_item = sessions.find_token(refresh_token)
        if token_item and token_item["user_id"] == user["id"] and token_item["session_id"] != user["session_id"]:
            sessions.revoke(user["id"], token_item["session_id"])


def update_profile(user: dict[str, Any], data: UpdateMeIn) -> dict[str, Any]:
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return users.public_user(user)
    try:
        updated = users.update_profile(user["id"], changes, before=user)
    except table.ConditionFailed:
        raise Unauthorized("This account no longer exists.", code="INVALID_TOKEN") from None
    except table.TransactionFailed:  # a new name or number: gone, or changed by another request
        if users.get(user["id"], consistent=True) is None:
            raise Unauthorized("This account no longer exists.", code="INVALID_TOKEN") from None
        raise Conflict("Your profile changed while saving. Reload and try again.", code="CONCURRENT_UPDATE") from None
    return users.public_user(updated)


def change_password(user: dict[str, Any], data: ChangePasswordIn) -> None:
    if not verify_password(data.current_password, user.get("password_hash")):
        raise ValidationFailed.field("current_password", "is not your current password")
    if user.get("role") == "admin":
        problem = admin_password_problem(data.new_password, user_inputs=(user["email"], user.get("full_name", "")))
        if problem:
            raise ValidationFailed.field("new_password", problem)
    epoch = int(user["session_epoch"])
    try:
        table.transact([
            table.update_op(*users.user_key(user["id"]),
                            "SET password_hash = :hash, session_epoch = :new, updated_at = :now",
                            condition="session_epoch = :old",
                            hash=hash_password(data.new_password), new=epoch + 1, old=epoch,
                            now=clock.now_iso()),
            sessions.restamp_op(user["id"], user["session_id"], epoch + 1),
        ])
    except table.TransactionFailed:
        raise Conflict("Your sessions changed while saving. Please try again.",
                       code="CONCURRENT_UPDATE") from None
    logger.info("password changed; other sessions revoked", extra={"user_id": user["id"]})


def ensure_admin(email: str, password: str, full_name: str = "Administrator", *,
                 actor: dict[str, Any] | None = None) -> bool:
    """Create an admin account unless an account with that email exists. True when created.

    With an `actor` the creation writes its audit entry in the same transaction (the
    bootstrap, chapchap.bootstrap); without one it is test and benchmark set-up. Staff
    accounts are not sign-ups: the users counter is not moved, the admins counter is.
    A password too weak for an admin is a ValueError (the caller says so and goes on)."""
    normalized = users.normalize_email(email)
    if table.get(*users.email_key(normalized), consistent=True):
        return False
    problem = admin_password_problem(password, user_inputs=(normalized, full_name))
    if problem:
        raise ValueError(f"the admin password {problem}")
    user = users.new_user(email=normalized, full_name=full_name, phone_number=None,
                          password_hash=hash_password(password), role="admin")
    ops = users.create_ops(user) + users.admin_count_ops(1)
    if actor is not None:
        ops.append(audit.entry_op(actor=actor, action="user.create", entity="user", entity_id=user["id"],
                                  before=None, after=users.public_user(user)))
    ops += user_index.index_ops(user)
    for first_try in (True, False):
        try:
            table.transact(ops)
            return True
        except table.TransactionFailed as exc:
            if exc.failed_at(1):
                return False
            if first_try and exc.failed_at(2) and users.active_admins() is None:
                users.count_active_admins()  # a new table (0) or data from before the counter
                continue
            raise
    return True
