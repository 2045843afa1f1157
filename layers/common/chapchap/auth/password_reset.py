"""Password reset: a link by email or a 6-digit code by SMS, then a new password.

The answer to a request never says whether the account exists, and takes the same work
either way: the same reads, one transaction of the same shape (the reset item, or a decoy
item for an unknown email or number; the message's cause record; the throttle counters)
and one message on the queue (a decoy the sender drops). Only an account gets a message.

A reset is spent by its first success, lasts 15 minutes, and ends after 5 wrong codes. A
success sets the password and bumps the session epoch in one transaction with spending the
reset, clearing the email's sign-in throttle and the audit entry: every session (refresh
tokens and access tokens alike, see chapchap.http.guard) ends at once.

Calls: request 1 BatchGetItem, 1 GetItem, 1 transaction, 1 SQS SendMessageBatch; reset
1 BatchGetItem (+1 GetItem with a code), then 1 GetItem and 1 transaction on success or
1-2 writes on a wrong code.
"""
from __future__ import annotations

import secrets
import uuid
from typing import Any

from chapchap import audit, messages
from chapchap.auth.passwords import hash_password
from chapchap.data import messages as message_data
from chapchap.data import resets, table, throttle, users
from chapchap.errors import BadRequest, Conflict, Throttled
from chapchap.messages.texts import DEFAULT_LOCALE
from chapchap.observability import logger, metrics
from chapchap.settings import settings

# Per throttle window (LOGIN_WINDOW_SECONDS, 15 minutes): requests per email or number and
# per source address; wrong codes or tokens per source address.
REQUEST_LIMITS = {"account": 3, "ip": 10}
WRONG_LIMITS = {"ip": 20}


def _invalid() -> BadRequest:
    return BadRequest("This reset code or link is not valid: it is wrong, used, expired, or ended after "
                      "5 wrong codes. Ask for a new one.", code="RESET_INVALID")


def _new_secret(channel: str) -> str:
    return f"{secrets.randbelow(1_000_000):06d}" if channel == "sms" else secrets.token_urlsafe(32)


def request(*, email: str | None = None, phone: str | None = None, source_ip: str) -> None:
    """Send a reset link (email) or code (SMS to the number) if it is an account's."""
    channel, identifier = ("email", email) if email else ("sms", phone or "")
    keys = throttle.scoped_keys("RESET", {"account": identifier, "ip": throttle.address(source_ip)})
    index_key = users.email_key(identifier) if email else users.phone_key(identifier)
    found = table.batch_get([index_key, *keys.values()], consistent=True)
    wait = throttle.wait_for(found, keys, REQUEST_LIMITS)
    if wait is not None:
        raise Throttled("Too many reset requests. Try again later.", retry_after=wait)
    index = found.get(index_key)
    # The same read whether the identifier is an account's or not.
    user = users.get(index["user_id"] if index else str(uuid.uuid4()), consistent=True)
    if phone:
        user = users.user_of_phone(index, user, phone)
    if user is None or user.get("status") != "active":
        user = None
    reset_id, secret = uuid.uuid4().hex, _new_secret(channel)
    key = resets.reset_key(user["id"]) if user else resets.decoy_key(identifier)
    cause = f"password-reset#{reset_id}#{channel}"
    table.transact([resets.new_op(key, reset_id=reset_id, user_id=user["id"] if user else None, channel=channel,
                                  secret=secret),
                    message_data.new_op(cause, channel=channel, kind="password-reset"),
                    *throttle.hit_ops(keys)])
    if channel == "sms":
        params: dict[str, Any] = {"code": secret}
    else:
        owner = uuid.UUID(user["id"]).hex if user else uuid.uuid4().hex
        params = {"url": f"{settings().frontend_base_url}/reset-password?token={owner}.{secret}",
                  "name": (user or {}).get("full_name", "")}
    to = (user.get("phone_number") if channel == "sms" else user["email"]) if user else None
    messages.send_to_queue([messages.Outgoing(cause, channel, "password-reset", to,
                                              (user or {}).get("locale") or DEFAULT_LOCALE, params)])
    metrics.add_metric(name="PasswordResetRequested", unit="Count", value=1)


def reset(*, new_password: str, source_ip: str, token: str | None = None, code: str | None = None,
          email: str | None = None, phone: str | None = None) -> None:
    """Set a new password with the emailed token, or the SMS code and the account's email or
    number. RESET_INVALID for anything wrong, without saying what."""
    fail_keys = throttle.scoped_keys("RESETWRONG", {"ip": throttle.address(source_ip)})
    if token:
        channel, secret = "email", token.partition(".")[2]
        try:
            user_id = str(uuid.UUID(token.partition(".")[0]))
        except ValueError:
            user_id = str(uuid.uuid4())
        reset_key = resets.reset_key(user_id)
        found = table.batch_get([reset_key, *fail_keys.values()], consistent=True)
        item = found.get(reset_key)
    else:
        channel, secret, identifier = "sms", code or "", email or phone or ""
        index_key = users.email_key(identifier) if email else users.phone_key(identifier)
        found = table.batch_get([index_key, *fail_keys.values()], consistent=True)
        index = found.get(index_key)
        item = resets.get(index["user_id"]) if index else resets.get_decoy(identifier)
    wait = throttle.wait_for(found, fail_keys, WRONG_LIMITS)
    if wait is not None:
        raise Throttled("Too many wrong reset codes. Try again later.", retry_after=wait)
    if not resets.usable(item, channel) or not resets.matches(item, secret):
        if channel == "sms" and resets.usable(item, channel):
            resets.wrong_attempt(item)
        table.transact(throttle.hit_ops(fail_keys))
        raise _invalid()
    user = users.get(item["user_id"], consistent=True)
    if user is None or user.get("status") != "active":
        raise _invalid()
    actor = {"id": user["id"], "email": user["email"]}
    try:
        table.transact([resets.use_op(item), users.new_password_op(user, hash_password(new_password)),
                        throttle.reset_email_op(user["email"], source_ip),
                        audit.entry_op(actor=actor, action="user.password_reset", entity="user",
                                       entity_id=user["id"], before=None, after=None,
                                       reason="SMS code" if channel == "sms" else "email link")])
    except table.TransactionFailed as exc:
        if exc.failed_at(0):
            raise _invalid() from None
        raise Conflict("Your account changed while resetting the password. Please try again.",
                       code="CONCURRENT_UPDATE") from None
    metrics.add_metric(name="PasswordReset", unit="Count", value=1)
    logger.info("password reset; every session ended", extra={"user_id": user["id"], "channel": channel})
