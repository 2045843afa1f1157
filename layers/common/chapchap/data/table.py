"""The one DynamoDB table: a low-level client, item (de)serialisation, transactions.

The low-level client is used rather than boto3's resource layer: it imports faster (cold
start) and makes each call explicit, so the number of calls per request stays visible.
Every read is a GetItem, BatchGetItem or Query on a designed key; nothing here Scans.
"""
from __future__ import annotations

import os
import random
import time
from decimal import Decimal
from typing import Any, Callable, Iterable, TypeVar

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from chapchap.settings import settings

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_client = None


def client():
    """One client per container, created on first use."""
    global _client
    if _client is None:
        _client = boto3.client(
            "dynamodb",
            config=Config(retries={"mode": "standard", "max_attempts": 4},
                          connect_timeout=2, read_timeout=5),
        )
    return _client


def reset_client() -> None:
    """Forget the client (tests start each case with a fresh moto account)."""
    global _client
    _client = None


def table_name() -> str:
    return settings().table_name


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return sorted(_plain(v) for v in value)
    return value


def _dynamo_ready(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _dynamo_ready(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_dynamo_ready(v) for v in value]
    return value


def serialize(item: dict[str, Any]) -> dict[str, Any]:
    """Python dict -> DynamoDB attribute map; None values are left out."""
    return {k: _serializer.serialize(_dynamo_ready(v)) for k, v in item.items() if v is not None}


def serialize_value(value: Any) -> dict[str, Any]:
    return _serializer.serialize(_dynamo_ready(value))


def deserialize(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def values(**named: Any) -> dict[str, Any]:
    """ExpressionAttributeValues from keyword arguments: values(old=1) -> {":old": {...}}."""
    return {f":{name}": serialize_value(value) for name, value in named.items()}


# ---------------------------------------------------------------- reads
def get(pk: str, sk: str, *, consistent: bool = False) -> dict[str, Any] | None:
    response = client().get_item(TableName=table_name(), Key=key(pk, sk), ConsistentRead=consistent)
    return deserialize(response.get("Item"))


def batch_get(keys: Iterable[tuple[str, str]], *, consistent: bool = False) -> dict[tuple[str, str], dict]:
    """Items by (pk, sk); missing ones are absent from the result. One call for up to 100 keys
    (plus a retry of unprocessed keys, which DynamoDB returns only under throttling)."""
    wanted = list(dict.fromkeys(keys))
    found: dict[tuple[str, str], dict] = {}
    if not wanted:
        return found
    if len(wanted) > 100:
        raise ValueError("batch_get takes at most 100 keys")
    request = {table_name(): {"Keys": [key(pk, sk) for pk, sk in wanted], "ConsistentRead": consistent}}
    for _ in range(5):
        response = client().batch_get_item(RequestItems=request)
        for raw in response.get("Responses", {}).get(table_name(), []):
            item = deserialize(raw)
            found[(item["pk"], item["sk"])] = item
        request = response.get("UnprocessedKeys") or {}
        if not request:
            break
    return found


def query(*, index: str | None = None, pk_name: str = "pk", pk: str,
          sk_condition: str | None = None, sk_values: dict[str, Any] | None = None,
          names: dict[str, str] | None = None, filter_expression: str | None = None,
          limit: int | None = None, forward: bool = True, start_key: dict | None = None,
          consistent: bool = False) -> tuple[list[dict[str, Any]], dict | None]:
    """One Query call. Returns (items, LastEvaluatedKey in plain form or None)."""
    condition = "#pk = :pk" + (f" AND {sk_condition}" if sk_condition else "")
    kwargs: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": {"#pk": pk_name, **(names or {})},
        "ExpressionAttributeValues": {":pk": {"S": pk}, **values(**(sk_values or {}))},
        "ScanIndexForward": forward,
    }
    if index:
        kwargs["IndexName"] = index
    elif consistent:
        kwargs["ConsistentRead"] = True
    if filter_expression:
        kwargs["FilterExpression"] = filter_expression
    if limit:
        kwargs["Limit"] = limit
    if start_key:
        kwargs["ExclusiveStartKey"] = serialize(start_key)
    response = client().query(**kwargs)
    items = [deserialize(raw) for raw in response.get("Items", [])]
    last = response.get("LastEvaluatedKey")
    return items, (deserialize(last) if last else None)


# ---------------------------------------------------------------- writes
def _with_expressions(op: dict[str, Any], condition: str | None, names: dict[str, str] | None,
                      expression_values: dict[str, Any]) -> dict[str, Any]:
    if condition:
        op["ConditionExpression"] = condition
    if names:
        op["ExpressionAttributeNames"] = names
    if expression_values:
        op["ExpressionAttributeValues"] = values(**expression_values)
    return op


def field_changes(changes: dict[str, Any]) -> tuple[list[str], list[str], dict[str, str], dict[str, Any]]:
    """SET clauses for changed fields and REMOVE clauses for those set to None, with their
    names (every field through a placeholder: many are reserved words) and values."""
    names = {f"#{field}": field for field in changes}
    sets = [f"#{field} = :{field}" for field, value in changes.items() if value is not None]
    removes = [f"#{field}" for field, value in changes.items() if value is None]
    values = {field: value for field, value in changes.items() if value is not None}
    return sets, removes, names, values


def set_remove(sets: list[str], removes: list[str]) -> str:
    return "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")


def put_op(item: dict[str, Any], *, condition: str | None = None,
           names: dict[str, str] | None = None, **condition_values: Any) -> dict:
    op = {"TableName": table_name(), "Item": serialize(item)}
    return {"Put": _with_expressions(op, condition, names, condition_values)}


def update_op(pk: str, sk: str, expression: str, *, condition: str | None = None,
              names: dict[str, str] | None = None, **expression_values: Any) -> dict:
    op = {"TableName": table_name(), "Key": key(pk, sk), "UpdateExpression": expression}
    return {"Update": _with_expressions(op, condition, names, expression_values)}


def delete_op(pk: str, sk: str, *, condition: str | None = None, **condition_values: Any) -> dict:
    op = {"TableName": table_name(), "Key": key(pk, sk)}
    return {"Delete": _with_expressions(op, condition, None, condition_values)}


def condition_op(pk: str, sk: str, condition: str, *, names: dict[str, str] | None = None,
                 **condition_values: Any) -> dict:
    op = {"TableName": table_name(), "Key": key(pk, sk)}
    return {"ConditionCheck": _with_expressions(op, condition, names, condition_values)}


class TransactionFailed(Exception):
    """A transaction was cancelled; `reasons` has one code per operation ("None" if fine)."""

    def __init__(self, reasons: list[str]):
        super().__init__(", ".join(reasons))
        self.reasons = reasons

    def failed_at(self, index: int) -> bool:
        return index < len(self.reasons) and self.reasons[index] == "ConditionalCheckFailed"

    @property
    def conflict(self) -> bool:
        return "TransactionConflict" in self.reasons


# ---------------------------------------------------------------- conflicts
# DynamoDB cancels a write that overlaps a transaction on one of its items. The other one
# is over within milliseconds, so trying again clears it: a few attempts, each after a random
# pause (full jitter: writers that collided do not collide again in step), growing up to a
# cap. Bounded: ~0.8 s in all at worst, then the conflict reaches the edge as 503
# SERVICE_BUSY. A failed condition is an answer about the data, never retried here.
CONFLICT_ATTEMPTS = int(os.environ.get("DDB_CONFLICT_ATTEMPTS") or 6)  # 1: no retry (the benchmark's "before")
CONFLICT_BASE_SECONDS = 0.025
CONFLICT_CAP_SECONDS = 0.4
_T = TypeVar("_T")


def conflict_pause(attempt: int) -> float:
    return random.uniform(0, min(CONFLICT_CAP_SECONDS, CONFLICT_BASE_SECONDS * 2 ** attempt))


def retry_conflicts(call: Callable[[], _T], conflicted: Callable[[Exception], bool]) -> _T:
    """`call()` again while it fails with a conflict (by `conflicted`), at most CONFLICT_ATTEMPTS times."""
    for attempt in range(CONFLICT_ATTEMPTS):
        try:
            return call()
        except Exception as exc:
            if attempt == CONFLICT_ATTEMPTS - 1 or not conflicted(exc):
                raise
        time.sleep(conflict_pause(attempt))
    raise AssertionError("unreachable")


def _write_conflict(exc: Exception) -> bool:
    return isinstance(exc, ClientError) and exc.response["Error"]["Code"] == "TransactionConflictException"


def _transaction_conflict(exc: Exception) -> bool:
    # Only when nothing else failed: a ConditionalCheckFailed beside it is the answer.
    return isinstance(exc, TransactionFailed) and exc.conflict and not any(
        r not in ("None", "TransactionConflict") for r in exc.reasons)


def transact(operations: list[dict], *, token: str | None = None) -> None:
    """TransactWriteItems: all or nothing, at most 100 operations. Retried on conflicts with
    the same ClientRequestToken, if any: a retry of one that went through changes nothing."""
    if not operations:
        return
    kwargs: dict[str, Any] = {"TransactItems": operations}
    if token:
        kwargs["ClientRequestToken"] = token

    def once() -> None:
        try:
            client().transact_write_items(**kwargs)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
            raise TransactionFailed(reasons) from None

    retry_conflicts(once, _transaction_conflict)


def put(item: dict[str, Any]) -> None:
    """PutItem without a condition (an overwrite), retried on conflicts."""
    retry_conflicts(lambda: client().put_item(TableName=table_name(), Item=serialize(item)), _write_conflict)


def update(pk: str, sk: str, expression: str, *, condition: str | None = None,
           names: dict[str, str] | None = None, return_new: bool = False,
           **expression_values: Any) -> dict[str, Any] | None:
    """UpdateItem. Raises ConditionFailed when the condition does not hold."""
    kwargs = update_op(pk, sk, expression, condition=condition, names=names, **expression_values)["Update"]
    if return_new:
        kwargs["ReturnValues"] = "ALL_NEW"
    try:
        response = retry_conflicts(lambda: client().update_item(**kwargs), _write_conflict)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise ConditionFailed() from None
        raise
    return deserialize(response.get("Attributes")) if return_new else None


class ConditionFailed(Exception):
    """A conditional write found the item in another state."""
