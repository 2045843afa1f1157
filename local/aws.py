"""AWS emulated in this process: a moto server on loopback that every boto3 client uses.

A real HTTP endpoint (rather than mock_aws) makes the presigned S3 GET and POST URLs that
the API hands to browsers work: they point at http://127.0.0.1:<moto port>/...
"""
from __future__ import annotations

import logging
import os
import socket

REGION = "af-south-1"
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Moto:
    def __init__(self, host: str = "127.0.0.1", port: int | None = None):
        self.host = host
        self.port = port if port is not None else int(os.environ.get("AWS_PORT") or 0)
        self.server = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> str:
        # Quiet: werkzeug would log every AWS call of every handler.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        lighter_transactions()
        from local import conflicts

        conflicts.from_env()  # LOCAL_DDB_CONFLICTS=20ms: transactions conflict as in DynamoDB
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        try:
            self.server.start()
        except OSError as exc:
            raise SystemExit(f"cannot start the AWS emulator on {self.host}:{self.port}: {exc} "
                             "(set AWS_PORT to another port, or leave it unset)") from None
        self.port = self.server.get_host_and_port()[1]
        return self.endpoint

    def stop(self) -> None:
        if self.server is not None:
            try:
                self.server.stop()
            except Exception:  # noqa: BLE001 - shutting down anyway
                pass
            self.server = None


def lighter_transactions() -> None:
    """TransactWriteItems in time independent of the table's size.

    moto backs a transaction up by deep-copying the whole table once per operation in it, so
    each transaction costs O(items x operations): with a few thousand items (make seed) a
    sign-in took seconds. This backs up only the items the transaction names (a deep copy
    of each) and puts them back when it is cancelled; moto's own checks and writes are
    unchanged. Idempotent."""
    import copy as real_copy
    import types

    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "_lighter", False):
        return
    original = backend.transact_write_items

    def deepcopy(value, memo=None):
        # moto's only deep copy of a Table is its transaction backup, replaced by ours.
        return value if isinstance(value, Table) else real_copy.deepcopy(value, memo)

    models.copy = types.SimpleNamespace(deepcopy=deepcopy, copy=real_copy.copy)

    def transact_write_items(self, transact_items):
        saved = []
        for entry in transact_items if isinstance(transact_items, list) else []:
            try:
                _, op = next(iter(entry.items()))
                table = self.tables.get(op.get("TableName"))
                if table is None:
                    continue
                if "Key" in op:
                    key = op["Key"]
                else:
                    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = op["Item"][table.range_key_attr]
                current = self.get_item(table.name, key)
            except Exception:  # noqa: BLE001 - a malformed entry: moto's own checks answer it
                continue
            saved.append((table.name, key, real_copy.deepcopy(current)))
        try:
            return original(self, transact_items)
        except Exception:
            for table_name, key, item in reversed(saved):
                if item is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, item.to_json()["Attributes"])
            raise

    transact_write_items._lighter = True
    backend.transact_write_items = transact_write_items


def point_boto3_at(endpoint: str, region: str = REGION) -> None:
    """Every boto3 client of this process (handlers included) talks to the emulator.

    Real credentials never leave the machine: they are replaced by dummies, and profiles and
    session tokens are dropped.
    """
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE"):
        os.environ.pop(name, None)
    os.environ.update(DUMMY_CREDENTIALS)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ["AWS_REGION"] = region
    # boto3 must not read ~/.aws (a real profile or SSO config there would not matter, but
    # keep the emulated world self-contained).
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


def session(region: str = REGION):
    import boto3

    return boto3.session.Session(region_name=region)
