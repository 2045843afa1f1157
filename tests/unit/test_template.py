"""The build configuration: template.yaml agrees with the code and keeps its safety settings.

Read through local.template, like the local stack: a function added to the template is
checked here without touching this file.
"""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from local.template import ROOT, load_template

TEMPLATE = load_template()
RESOURCES = TEMPLATE.raw["Resources"]
FUNCTIONS = sorted(TEMPLATE.functions.values(), key=lambda f: f.logical_id)
FUNCTION_IDS = [f.logical_id for f in FUNCTIONS]
ROUTES = sorted(TEMPLATE.routes, key=lambda r: r.route_key)
# Policies that let a function write to the table.
DYNAMODB_WRITE_POLICIES = {"DynamoDBCrudPolicy", "DynamoDBWritePolicy"}


def _properties(logical_id: str) -> dict:
    return RESOURCES[logical_id].get("Properties", {}) or {}


def _policy_names(logical_id: str) -> list[str]:
    """Names of a function's policies: SAM policy templates by key, managed policies as given."""
    names = []
    for policy in _properties(logical_id).get("Policies") or []:
        if isinstance(policy, dict):
            names.extend(policy)
        else:
            names.append(str(policy))
    return names


def _top_level_names(source: Path) -> set[str]:
    """Names a module binds at top level (assignments, defs, classes, imports), without importing it."""
    names: set[str] = set()
    for node in ast.parse(source.read_text(), filename=str(source)).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _number(value, default: int) -> int:
    """A number property, or the default of the parameter it refers to (`!Ref SomeParameter`)."""
    if value is None:
        return default
    if isinstance(value, dict) and value.get("Ref") in TEMPLATE.parameters:
        value = TEMPLATE.parameters[value["Ref"]]
    return int(value)


def _get_att_target(value) -> str | None:
    """The logical id in `!GetAtt X.Arn` (or `!Ref X`)."""
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            arg = value["Fn::GetAtt"]
            return arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]
        if "Ref" in value:
            return value["Ref"]
    return None


# ---------------------------------------------------------------- functions and routes
def test_template_declares_functions_and_routes():
    assert FUNCTIONS, "template.yaml declares no AWS::Serverless::Function"
    assert ROUTES, "template.yaml declares no HttpApi route"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.route_key)
def test_every_route_has_a_function_with_a_handler(route):
    fn = TEMPLATE.functions.get(route.function_id)
    assert fn is not None, f"{route.route_key}: no function {route.function_id}"
    assert fn.source_file.is_file(), (
        f"{route.route_key}: {fn.logical_id} has Handler {fn.handler!r} but "
        f"{fn.source_file.relative_to(ROOT)} does not exist")
    attr = fn.handler.rsplit(".", 1)[1]
    assert attr in _top_level_names(fn.source_file), (
        f"{fn.source_file.relative_to(ROOT)} does not define {attr!r} at top level "
        f"(template Handler: {fn.handler})")


@pytest.mark.parametrize("fn", FUNCTIONS, ids=FUNCTION_IDS)
def test_every_function_has_its_source_and_a_sample_event(fn):
    assert fn.source_file.is_file(), f"{fn.logical_id}: {fn.source_file.relative_to(ROOT)} is missing"
    assert fn.event_file.is_file(), (
        f"{fn.logical_id}: no sample event {fn.event_file.relative_to(ROOT)} "
        f"(events/ mirrors functions/, one event per function, for `sam local invoke -e`)")


def test_route_keys_are_unique():
    seen: dict[str, str] = {}
    duplicates = []
    for route in TEMPLATE.routes:
        if route.route_key in seen:
            duplicates.append(f"{route.route_key}: {seen[route.route_key]} and {route.function_id}")
        seen.setdefault(route.route_key, route.function_id)
    assert not duplicates, "routes declared twice: " + "; ".join(duplicates)


def test_handler_modules_are_unique():
    by_module: dict[str, list[str]] = {}
    for fn in FUNCTIONS:
        by_module.setdefault(f"{fn.code_uri}:{fn.handler}", []).append(fn.logical_id)
    shared = {k: v for k, v in by_module.items() if len(v) > 1}
    assert not shared, f"functions sharing a handler: {shared}"


@pytest.mark.parametrize("fn", FUNCTIONS, ids=FUNCTION_IDS)
def test_no_function_sets_its_own_environment(fn):
    # The local stack runs every function in one process with the Globals environment.
    assert "Environment" not in _properties(fn.logical_id), (
        f"{fn.logical_id} sets its own Environment: put the variable in Globals.Function.Environment")


# ---------------------------------------------------------------- permissions
@pytest.mark.parametrize("fn", FUNCTIONS, ids=FUNCTION_IDS)
def test_every_function_has_policies(fn):
    assert _policy_names(fn.logical_id), f"{fn.logical_id} has no Policies: give it the least it needs"


# GET routes that write to the table by design (each one idempotent), with the reason. Any
# other function serving only GET routes must not be able to write.
GET_ROUTES_THAT_WRITE = {
    "GET /api/payments/verify/{reference}": "records the status Selcom reports for a pending payment",
    "GET /api/payments/{id}/receipt": "makes the receipt on first request and records it",
    "GET /api/payments/download/{cv_id}": "records and queues the render of a paid CV",
    "GET /api/cvs/{id}/preview": "marks on the CV which preview images exist (made on first request)",
    "GET /api/admin/cvs/{id}/pdf": "writes its audit entry, and marks and queues the render when there is no PDF",
    "GET /api/public/cvs/{slug}": "counts the view and its throttle window; notes the link's PDF copy",
}


def _get_routes(fn) -> list[str] | None:
    """The route keys of a function that serves only GET routes, else None."""
    routes = [r.route_key for r in TEMPLATE.routes if r.function_id == fn.logical_id]
    return routes if routes and all(r.method == "GET" for r in TEMPLATE.routes
                                    if r.function_id == fn.logical_id) else None


READ_ONLY = [fn for fn in FUNCTIONS
             if _get_routes(fn) and not set(_get_routes(fn)) & set(GET_ROUTES_THAT_WRITE)]


def test_some_functions_are_read_only():
    assert READ_ONLY, "no function serves only GET routes: the rule below would check nothing"


def test_get_routes_that_write_are_still_routes():
    stale = set(GET_ROUTES_THAT_WRITE) - {r.route_key for r in TEMPLATE.routes}
    assert not stale, f"GET_ROUTES_THAT_WRITE names routes template.yaml no longer has: {sorted(stale)}"


@pytest.mark.parametrize("fn", READ_ONLY, ids=[f.logical_id for f in READ_ONLY])
def test_get_routes_cannot_write_the_table(fn):
    writers = DYNAMODB_WRITE_POLICIES.intersection(_policy_names(fn.logical_id))
    assert not writers, (
        f"{fn.logical_id} serves only GET routes but has {sorted(writers)}: use DynamoDBReadPolicy, "
        f"or, if the GET writes by design, add its route to GET_ROUTES_THAT_WRITE with the reason")


# ---------------------------------------------------------------- resources
TABLES = sorted(TEMPLATE.resources_of("AWS::DynamoDB::Table"))
QUEUES = TEMPLATE.resources_of("AWS::SQS::Queue")
BUCKETS = sorted(TEMPLATE.resources_of("AWS::S3::Bucket"))
# Dead-letter queues: the targets of a queue's redrive policy, and of a schedule's DeadLetterConfig.
DEAD_LETTER_QUEUES = ({
    _get_att_target((q.get("Properties", {}).get("RedrivePolicy") or {}).get("deadLetterTargetArn"))
    for q in QUEUES.values()} | {
    _get_att_target((event.get("DeadLetterConfig") or {}).get("Arn"))
    for fn in FUNCTIONS for event in fn.events_of("Schedule", "ScheduleV2")}) - {None}
WORK_QUEUES = sorted(set(QUEUES) - DEAD_LETTER_QUEUES)


def test_resources_exist():
    assert TABLES and WORK_QUEUES and BUCKETS


@pytest.mark.parametrize("logical_id", TABLES)
def test_table_is_protected(logical_id):
    resource = RESOURCES[logical_id]
    props = _properties(logical_id)
    assert resource.get("DeletionPolicy") == "Retain", f"{logical_id}: DeletionPolicy must be Retain"
    assert resource.get("UpdateReplacePolicy") == "Retain", f"{logical_id}: UpdateReplacePolicy must be Retain"
    assert props.get("BillingMode") == "PAY_PER_REQUEST", f"{logical_id}: BillingMode must be PAY_PER_REQUEST"
    pitr = props.get("PointInTimeRecoverySpecification") or {}
    assert pitr.get("PointInTimeRecoveryEnabled") is True, f"{logical_id}: point-in-time recovery must be on"
    ttl = props.get("TimeToLiveSpecification") or {}
    assert ttl.get("Enabled") is True and ttl.get("AttributeName"), f"{logical_id}: TTL must be enabled"
    assert (props.get("SSESpecification") or {}).get("SSEEnabled") is True, f"{logical_id}: SSE must be enabled"


@pytest.mark.parametrize("logical_id", WORK_QUEUES)
def test_queue_has_a_dead_letter_queue(logical_id):
    props = _properties(logical_id)
    policy = props.get("RedrivePolicy")
    assert policy, f"{logical_id} has no RedrivePolicy: failed messages would be retried until they expire"
    dlq = _get_att_target(policy.get("deadLetterTargetArn"))
    assert dlq in QUEUES, f"{logical_id}: deadLetterTargetArn must be !GetAtt <a queue of this template>.Arn"
    assert dlq != logical_id
    assert 1 <= _number(policy.get("maxReceiveCount"), 0) <= 10
    # A message keeps its first enqueue time in the dead-letter queue: it needs the longer retention.
    source_retention = _number(props.get("MessageRetentionPeriod"), 345600)
    assert _number(_properties(dlq).get("MessageRetentionPeriod"), 345600) > source_retention, (
        f"{dlq} must keep messages longer than {logical_id} does")


@pytest.mark.parametrize("fn", [f for f in FUNCTIONS if f.events_of("SQS")],
                         ids=[f.logical_id for f in FUNCTIONS if f.events_of("SQS")])
def test_queue_visibility_covers_the_consumer_timeout(fn):
    # Lambda refuses an SQS event source whose visibility timeout is shorter than the function's.
    for event in fn.events_of("SQS"):
        queue = _get_att_target(event.get("Queue"))
        assert queue in QUEUES, f"{fn.logical_id} reads a queue this template does not declare"
        assert _number(_properties(queue).get("VisibilityTimeout"), 30) >= fn.timeout


@pytest.mark.parametrize("logical_id", BUCKETS)
def test_bucket_is_private_and_encrypted(logical_id):
    props = _properties(logical_id)
    block = props.get("PublicAccessBlockConfiguration") or {}
    for key in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"):
        assert block.get(key) is True, f"{logical_id}: PublicAccessBlockConfiguration.{key} must be true"
    rules = (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration") or []
    algorithms = {(r.get("ServerSideEncryptionByDefault") or {}).get("SSEAlgorithm") for r in rules}
    assert algorithms & {"AES256", "aws:kms", "aws:kms:dsse"}, f"{logical_id} has no default encryption"


# ---------------------------------------------------------------- sam validate --lint
def _sam() -> str | None:
    beside = Path(sys.executable).with_name("sam")
    return str(beside) if beside.is_file() else shutil.which("sam")


def test_sam_validate_lint():
    sam = _sam()
    if sam is None:
        pytest.skip("the `sam` executable (aws-sam-cli) is not installed next to this Python nor on PATH")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    proc = subprocess.run(
        [sam, "validate", "--lint", "--template", str(ROOT / "template.yaml"), "--region", "af-south-1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"sam validate --lint failed:\n{proc.stdout}\n{proc.stderr}"
