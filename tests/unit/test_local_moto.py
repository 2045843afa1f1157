"""local/aws.py's lighter TransactWriteItems: same all-or-nothing answers, cost independent of
the table's size (moto deep-copies the whole table per operation; the seeded stack crawled)."""
from __future__ import annotations

import os
import time

import boto3
import pytest
from botocore.exceptions import ClientError

from local.aws import lighter_transactions


@pytest.fixture
def ddb(aws, monkeypatch):
    from moto.dynamodb import models

    monkeypatch.setattr(models.DynamoDBBackend, "transact_write_items", models.DynamoDBBackend.transact_write_items)
    monkeypatch.setattr(models, "copy", models.copy)
    lighter_transactions()
    return boto3.client("dynamodb", region_name="af-south-1"), os.environ["TABLE_NAME"]


def key(pk):
    return {"pk": {"S": pk}, "sk": {"S": "X"}}


def item(client, table, pk):
    return client.get_item(TableName=table, Key=key(pk), ConsistentRead=True).get("Item")


def test_a_cancelled_transaction_changes_nothing(ddb):
    client, table = ddb
    client.put_item(TableName=table, Item={**key("B"), "n": {"N": "1"}})
    client.put_item(TableName=table, Item={**key("C"), "n": {"N": "1"}})
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {**key("A"), "n": {"N": "1"}}}},
            {"Update": {"TableName": table, "Key": key("B"), "UpdateExpression": "SET n = :two",
                        "ExpressionAttributeValues": {":two": {"N": "2"}}}},
            {"Delete": {"TableName": table, "Key": key("D")}},
            {"Put": {"TableName": table, "Item": {**key("C"), "n": {"N": "9"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r["Code"] for r in caught.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    assert item(client, table, "A") is None
    assert item(client, table, "B")["n"] == {"N": "1"}
    assert item(client, table, "C")["n"] == {"N": "1"}


def test_two_operations_on_one_item_are_refused_and_undone(ddb):
    client, table = ddb
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {**key("E"), "n": {"N": "1"}}}},
            {"Put": {"TableName": table, "Item": {**key("E"), "n": {"N": "2"}}}},
        ])
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert item(client, table, "E") is None


def test_cost_does_not_grow_with_the_table(ddb):
    client, table = ddb
    for start in range(0, 3000, 25):
        client.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {**key(f"FILL{n}"), "text": {"S": "x" * 200}}}} for n in range(start, start + 25)]})
    started = time.monotonic()
    for n in range(20):
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {**key(f"T{n}-{i}"), "n": {"N": "1"}}}} for i in range(5)])
    assert time.monotonic() - started < 2.0  # moto's own backup: about 5 x 20 copies of 3000 items
    assert item(client, table, "T19-4")["n"] == {"N": "1"}
