"""The local stack's state on disk, so data survives a restart.

<state-dir>/
  state.json     every item of the template's tables, every object (metadata) of its
                 buckets, every message still in its queues, by logical id (format below)
  s3/<sha256>    object contents, named by their SHA-256
  jwt-secret     the local JWT signing key (JWT_SECRET in the environment wins)
  stack.pid      the process serving this state dir, while it runs

state.json: {"format": 1, "saved_at": ISO time,
  "tables":  {Logical: {"name": physical, "items": [DynamoDB JSON item, ...]}},
  "buckets": {Logical: {"name": physical, "objects": [{"key", "sha256", "size",
              "content_type", "metadata", ...}]}},
  "queues":  {Logical: {"name": physical, "messages": [{"body", "attributes", "group_id",
              "deduplication_id"}]}}}
Bytes (DynamoDB B values, binary message attributes) are written as {"__b64__": "..."}.
Files are written to a temporary name and renamed, so a crash never leaves half a file.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

from .template import ACCOUNT_ID, Template

FORMAT = 1
OWN_FILES = ("state.json", "jwt-secret", "stack.pid")


def _encode(value):
    if isinstance(value, (bytes, bytearray)):
        return {"__b64__": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value):
    if isinstance(value, dict):
        if set(value) == {"__b64__"}:
            return base64.b64decode(value["__b64__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def jwt_secret(state_dir: Path) -> str:
    """The local signing key: made on first start, kept so tokens survive a restart."""
    path = state_dir / "jwt-secret"
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    value = secrets.token_urlsafe(48)
    state_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(path, value.encode(), 0o600)
    return value


def wipe(state_dir: Path) -> None:
    """Forget the state: remove only the files this module writes (never a whole folder)."""
    if not state_dir.exists():
        return
    for name in OWN_FILES:
        (state_dir / name).unlink(missing_ok=True)
    blobs = state_dir / "s3"
    if blobs.is_dir():
        for blob in blobs.iterdir():
            blob.unlink()
        blobs.rmdir()
    for tmp in state_dir.glob(".*.tmp"):
        tmp.unlink()
    try:
        state_dir.rmdir()
    except OSError:
        pass  # something else lives there: leave it


def running_pid(state_dir: Path) -> int | None:
    """The pid of a live local stack using this state dir, if any."""
    try:
        pid = int((state_dir / "stack.pid").read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid if pid != os.getpid() else None


class StateStore:
    def __init__(self, state_dir: Path, template: Template, physical: dict, session, region: str):
        self.dir = Path(state_dir)
        self.file = self.dir / "state.json"
        self.blobs = self.dir / "s3"
        self.template = template
        self.physical = physical
        self.region = region
        self.ddb = session.client("dynamodb")
        self.s3 = session.client("s3")
        self.sqs = session.client("sqs")
        self._lock = threading.Lock()
        self._etags: dict[tuple[str, str, str], str] = {}  # (bucket, key, etag) -> sha256
        self.dirty = threading.Event()

    def _names(self, cfn_type: str) -> dict[str, str]:
        key = "QueueName" if cfn_type == "AWS::SQS::Queue" else "Ref"
        return {lid: self.physical[lid][key] for lid in self.template.resources_of(cfn_type)
                if lid in self.physical}

    # ------------------------------------------------------------ save
    def save(self) -> dict:
        with self._lock:
            self.dirty.clear()
            self.dir.mkdir(parents=True, exist_ok=True)
            self.blobs.mkdir(exist_ok=True)
            state = {"format": FORMAT, "saved_at": datetime.now(timezone.utc).isoformat(),
                     "tables": {}, "buckets": {}, "queues": {}}
            for lid, name in self._names("AWS::DynamoDB::Table").items():
                items = []
                for page in self.ddb.get_paginator("scan").paginate(TableName=name):
                    items.extend(page.get("Items", []))
                state["tables"][lid] = {"name": name, "items": _encode(items)}
            for lid, name in self._names("AWS::S3::Bucket").items():
                state["buckets"][lid] = {"name": name, "objects": self._save_bucket(name)}
            for lid, name in self._names("AWS::SQS::Queue").items():
                state["queues"][lid] = {"name": name, "messages": _encode(self._queue_messages(name))}
            write_atomically(self.file, json.dumps(state, indent=1, sort_keys=True).encode())
            used = {o["sha256"] for b in state["buckets"].values() for o in b["objects"]}
            for blob in self.blobs.iterdir():
                if blob.name not in used and not blob.name.startswith("."):
                    blob.unlink(missing_ok=True)
            return self.counts(state)

    def _save_bucket(self, bucket: str) -> list[dict]:
        objects = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for entry in page.get("Contents", []):
                key, etag = entry["Key"], entry.get("ETag", "")
                known = self._etags.get((bucket, key, etag))
                if known is None or not (self.blobs / known["sha256"]).exists():
                    got = self.s3.get_object(Bucket=bucket, Key=key)
                    body = got["Body"].read()
                    known = {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body),
                             "content_type": got.get("ContentType"), "metadata": got.get("Metadata", {})}
                    for field in ("CacheControl", "ContentDisposition", "ContentEncoding",
                                  "ContentLanguage"):
                        if got.get(field):
                            known[field] = got[field]
                    if not (self.blobs / known["sha256"]).exists():
                        write_atomically(self.blobs / known["sha256"], body)
                    self._etags[(bucket, key, etag)] = known
                objects.append({"key": key, **known})
        return objects

    def _queue_messages(self, name: str) -> list[dict]:
        """Every message of a queue, in flight or not, without receiving it (moto's backend:
        receiving would count as a delivery and could move it to the dead-letter queue)."""
        try:
            from moto.sqs.models import sqs_backends

            queue = sqs_backends[ACCOUNT_ID][self.region].queues[name]
            messages = list(queue._messages)  # noqa: SLF001 - moto runs in this process
        except Exception as exc:  # noqa: BLE001 - a moto upgrade changed its internals
            print(f"warning: cannot read the messages of {name} from moto ({exc!r}); "
                  "they are not saved", file=sys.stderr)
            return []
        return [{"body": m.body, "attributes": dict(m.message_attributes or {}),
                 "group_id": m.group_id, "deduplication_id": m.deduplication_id} for m in messages]

    # ------------------------------------------------------------ restore
    def load(self) -> dict | None:
        if not self.file.exists():
            return None
        state = json.loads(self.file.read_text())
        if state.get("format") != FORMAT:
            raise SystemExit(f"{self.file} has format {state.get('format')}, this stack writes "
                             f"{FORMAT}: run `make reset` (or python -m local --reset)")
        return state

    def restore(self) -> dict:
        state = self.load()
        if state is None:
            return {}
        tables, buckets, queues = (self._names(t) for t in
                                   ("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SQS::Queue"))
        steps = [(lid, self._put_items, tables[lid], _decode(saved["items"]))
                 for lid, saved in state.get("tables", {}).items() if lid in tables]
        steps += [(lid, self._put_objects, buckets[lid], saved["objects"])
                  for lid, saved in state.get("buckets", {}).items() if lid in buckets]
        steps += [(lid, self._send, self.physical[lid]["QueueUrl"], _decode(saved["messages"]))
                  for lid, saved in state.get("queues", {}).items() if lid in queues]
        for lid, restore, target, content in steps:
            try:
                restore(target, content)
            except Exception as exc:  # noqa: BLE001 - e.g. a key schema changed since the save
                print(f"warning: cannot restore {lid} from {self.file} ({exc}); "
                      "`make reset` starts afresh", file=sys.stderr)
        return self.counts(state)

    def _put_objects(self, bucket: str, objects: list[dict]) -> None:
        for obj in objects:
            kwargs = {k: obj[k] for k in ("CacheControl", "ContentDisposition", "ContentEncoding",
                                          "ContentLanguage") if k in obj}
            if obj.get("content_type"):
                kwargs["ContentType"] = obj["content_type"]
            self.s3.put_object(Bucket=bucket, Key=obj["key"], Metadata=obj.get("metadata") or {},
                               Body=(self.blobs / obj["sha256"]).read_bytes(), **kwargs)

    def _put_items(self, table: str, items: list[dict]) -> None:
        for start in range(0, len(items), 25):
            request = {table: [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]}
            while request:
                request = self.ddb.batch_write_item(RequestItems=request).get("UnprocessedItems")

    def _send(self, url: str, messages: list[dict]) -> None:
        for start in range(0, len(messages), 10):
            entries = []
            for i, m in enumerate(messages[start:start + 10]):
                entry = {"Id": str(i), "MessageBody": m["body"]}
                if m.get("attributes"):
                    entry["MessageAttributes"] = m["attributes"]
                if m.get("group_id"):
                    entry["MessageGroupId"] = m["group_id"]
                if m.get("deduplication_id"):
                    entry["MessageDeduplicationId"] = m["deduplication_id"]
                entries.append(entry)
            self.sqs.send_message_batch(QueueUrl=url, Entries=entries)

    @staticmethod
    def counts(state: dict) -> dict:
        return {"items": sum(len(t["items"]) for t in state.get("tables", {}).values()),
                "objects": sum(len(b["objects"]) for b in state.get("buckets", {}).values()),
                "messages": sum(len(q["messages"]) for q in state.get("queues", {}).values())}
