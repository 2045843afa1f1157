"""Messages to people (SMS, email), one record per cause.

    MESSAGE#<cause> / MESSAGE    `cause` names why the message exists and where it goes,
                                 e.g. `payment-completed#CVX123#sms`; written with
                                 attribute_not_exists, so a cause makes one message however
                                 often it is confirmed. `status`: queued -> sending -> sent
                                 (or dropped); `claimed_at` while a sender works on it;
                                 `provider_id` once sent. TTL 90 days.

The record holds no text and no address: the queue message carries what to send, so a
reset code never rests in the table in clear.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from chapchap import clock
from chapchap.data import table

KEEP_DAYS = 90


def message_key(cause: str) -> tuple[str, str]:
    return f"MESSAGE#{cause}", "MESSAGE"


def new_op(cause: str, *, channel: str, kind: str) -> dict:
    """The record of a cause; fails (ConditionalCheckFailed) when the cause has one already."""
    moment = clock.now()
    pk, sk = message_key(cause)
    return table.put_op({"pk": pk, "sk": sk, "type": "message", "cause": cause, "channel": channel, "kind": kind,
                         "status": "queued", "created_at": clock.iso(moment),
                         "ttl": clock.epoch_seconds(moment + timedelta(days=KEEP_DAYS))},
                        condition="attribute_not_exists(pk)")


def create(records: list[tuple[str, str, str]]) -> bool:
    """Write the records of (cause, channel, kind) together; True when this call wrote them
    (the caller then queues the messages), False when they existed already."""
    try:
        table.transact([new_op(cause, channel=channel, kind=kind) for cause, channel, kind in records])
    except table.TransactionFailed as exc:
        if any(exc.failed_at(i) for i in range(len(records))):
            return False
        raise
    return True


def claim(cause: str, *, stale_after: timedelta) -> bool:
    """Take the message for sending: True when it is queued, or was taken by a sender that
    has not finished within `stale_after` (crashed or timed out). False when it is sent,
    dropped, unknown, or another sender is at it now."""
    now = clock.now()
    try:
        table.update(*message_key(cause), "SET #status = :sending, claimed_at = :now ADD attempts :one",
                     condition="attribute_exists(pk) AND (#status = :queued OR "
                               "(#status = :sending AND claimed_at < :stale))",
                     names={"#status": "status"}, sending="sending", queued="queued", one=1,
                     now=clock.iso(now), stale=clock.iso(now - stale_after))
    except table.ConditionFailed:
        return False
    return True


def finish(cause: str, *, status: str, provider_id: str | None = None) -> None:
    """Mark the claimed message `sent` (with the provider's id) or `dropped`."""
    table.update(*message_key(cause), "SET #status = :status, finished_at = :now, provider_id = :provider",
                 condition="#status = :sending", names={"#status": "status"}, status=status,
                 sending="sending", now=clock.now_iso(), provider=provider_id or "")


def release(cause: str) -> None:
    """Give a claimed message back after a failed send, so the queue's retry may take it."""
    try:
        table.update(*message_key(cause), "SET #status = :queued REMOVE claimed_at",
                     condition="#status = :sending", names={"#status": "status"}, queued="queued",
                     sending="sending")
    except table.ConditionFailed:
        pass


def get(cause: str) -> dict[str, Any] | None:
    return table.get(*message_key(cause), consistent=True)
