"""Lambda SnapStart runtime hooks: what a snapshot must not carry into a restored container.

With SnapStart (template.yaml, parameter EnableSnapStart) Lambda runs the handler module's
import once when a version is published, snapshots the memory, and starts every new
container from that snapshot. Whatever the import left in memory is then shared by every
restored container, possibly hours later. After a restore this module drops:

- the `random` module's state (seeded once at import: every container would draw the same
  sequence). Tokens, ids and salts come from `secrets`, `uuid4` and `bcrypt`, which read
  os.urandom on each call and need nothing;
- the boto3 clients of chapchap (DynamoDB, S3, SQS): their connection pools hold sockets
  of the snapshotting machine, and each holds the credentials it was made with;
- the credentials cached by boto3's default session (its service models stay loaded: that
  is what the snapshot is for);
- the Selcom HTTP session (a requests connection pool), the Powertools parameter cache
  (SSM secrets with their five-minute age, counted from before the snapshot) and the
  default-price cache (its age is time.monotonic() of another machine);
- the bcrypt dummy hash of the login path (its salt would be the same everywhere).

Before the snapshot, `before_snapshot` makes the DynamoDB client once and drops it: the
service model boto3 reads from disk stays loaded in the default session, so a restored
container's first client is quick, and no connection or client is frozen.

Only modules already imported are touched, so the hooks import nothing. The
`snapshot_restore_py` module exists only in the Lambda python runtime (3.12 and later):
elsewhere `register()` does nothing, and the tests call `after_restore()` directly.
"""
from __future__ import annotations

import random
import sys

_registered = False


def _loaded(name: str):
    return sys.modules.get(name)


def after_restore() -> list[str]:
    """Forget what must not outlive the snapshot; returns what was reset (for the log)."""
    reset = []
    random.seed()  # from os.urandom
    reset.append("random")
    for name in ("chapchap.data.table", "chapchap.storage", "chapchap.queues", "chapchap.messages.mail",
                 "chapchap.payments.selcom"):
        module = _loaded(name)
        if module is not None:
            module.reset_client()
            reset.append(name)
    selcom = _loaded("chapchap.payments.selcom")
    if selcom is not None:
        selcom._session = None  # the pool's sockets belong to the snapshot
    boto3 = _loaded("boto3")
    session = getattr(boto3, "DEFAULT_SESSION", None) if boto3 is not None else None
    if session is not None:
        # botocore's Session caches the resolved credentials in `_credentials`; dropping
        # them makes the next client resolve fresh ones, and keeps the loaded models.
        core = getattr(session, "_session", None)
        if core is not None and hasattr(core, "_credentials"):
            core._credentials = None
            reset.append("boto3 credentials")
    parameters = _loaded("aws_lambda_powertools.utilities.parameters")
    if parameters is not None:
        parameters.clear_caches()
        reset.append("parameters")
    catalog = _loaded("chapchap.templates.catalog")
    if catalog is not None:
        catalog.reset_price_cache()
        reset.append("price cache")
    passwords = _loaded("chapchap.auth.passwords")
    if passwords is not None:
        passwords._dummy_hash.cache_clear()
        reset.append("dummy hash")
    return reset


def before_snapshot() -> None:
    """Load the DynamoDB service model into boto3's default session, keep no client."""
    table = _loaded("chapchap.data.table")
    if table is not None:
        table.client()
        table.reset_client()


def _after_restore_hook() -> None:
    reset = after_restore()
    observability = _loaded("chapchap.observability")
    if observability is not None:
        observability.logger.info("restored from a SnapStart snapshot", extra={"reset": reset})


def register() -> bool:
    """Register the hook with the Lambda runtime, once; False outside Lambda."""
    global _registered
    if _registered:
        return True
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:  # not the Lambda runtime (tests, local stack, benchmarks)
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(_after_restore_hook)
    _registered = True
    return True
