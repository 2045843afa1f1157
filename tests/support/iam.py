"""Least privilege, checked: what each function's role allows (as SAM expands template.yaml)
against what its handler was seen doing (every AWS call, recorded while it runs on moto).

Three pieces, used by tests/unit/test_permissions.py:

- `Recorder`: while installed, every AWS API call made by any botocore client, and every
  presigned GET URL or POST form generated, is recorded as the IAM requests it needs
  (action, resource ARN), attributed to the function whose handler is running
  (local.runtime.Runtime.invoke). A presigned URL makes no call, but S3 checks the signer's
  permissions when the browser uses it, so it counts as the action it grants.
- `role_policies`: the template through SAM's own translator (samtranslator), then each
  function's role: its inline statements with every intrinsic resolved to the moto
  account's physical names, and its managed policy ARNs.
- `problems`: the differences, each a sentence. A call the role does not allow; a service
  the role allows but the function never calls; an S3 prefix or SSM parameter granted but
  never touched; a table write granted to a function that only reads.
"""
from __future__ import annotations

import copy
import fnmatch
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlparse

from local.template import ACCOUNT_ID, Resolver, Template

# Managed policies SAM attaches for the Lambda service itself, not for the handler's code:
# the handler never makes these calls, so the recorder cannot see them. Any other managed
# policy is refused (its statements are not in the template, so nothing here can prove them).
RUNTIME_MANAGED_POLICIES = {
    "AWSLambdaBasicExecutionRole": "the Lambda runtime writes the function's logs (logs:*)",
    "AWSLambdaSQSQueueExecutionRole": "the SQS event source mapping receives and deletes the messages",
    "AWSXRayDaemonWriteAccess": "the runtime sends traces when Tracing is Active",
    "AWSLambdaVPCAccessExecutionRole": "Lambda creates the network interfaces of a function in a VPC",
}
DYNAMODB_WRITES = {"dynamodb:putitem", "dynamodb:updateitem", "dynamodb:deleteitem", "dynamodb:batchwriteitem"}
# Grants checked resource by resource: each must be used by some recorded call (a prefix or a
# parameter nobody reads is a grant too many). Writes are checked action by action as well.
RESOURCE_CHECKED_SERVICES = {"s3", "ssm"}
WRITE_ACTIONS = {"s3:putobject", "s3:deleteobject", "ssm:putparameter", "ssm:deleteparameter"}


@dataclass(frozen=True)
class Request:
    """One IAM authorisation a call needs."""
    action: str  # service:Operation
    resource: str  # ARN

    @property
    def service(self) -> str:
        return self.action.split(":", 1)[0].lower()


# ---------------------------------------------------------------- calls -> IAM requests
def _queue_arn(url: str, region: str) -> str:
    parts = [p for p in urlparse(url).path.split("/") if p]
    account, name = (parts[-2], parts[-1]) if len(parts) >= 2 else (ACCOUNT_ID, parts[-1])
    return f"arn:aws:sqs:{region}:{account}:{name}"


def _parameter_arn(name: str, region: str) -> str:
    if name.startswith("arn:"):
        return name
    return f"arn:aws:ssm:{region}:{ACCOUNT_ID}:parameter/{name.lstrip('/')}"


def _table_arn(name: str, region: str, index: str | None = None) -> str:
    if name.startswith("arn:"):
        base = name
    else:
        base = f"arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/{name}"
    return f"{base}/index/{index}" if index else base


def _object_arn(bucket: str, key: str | None) -> str:
    return f"arn:aws:s3:::{bucket}/{key}" if key is not None else f"arn:aws:s3:::{bucket}"


# S3 operations whose IAM action has another name.
_S3_ACTIONS = {"HeadObject": "GetObject", "ListObjectsV2": "ListBucket", "ListObjects": "ListBucket",
               "HeadBucket": "ListBucket", "DeleteObjects": "DeleteObject", "CopyObject": "PutObject",
               "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject",
               "CompleteMultipartUpload": "PutObject"}
_TRANSACT_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                          "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def requests_of(service: str, operation: str, params: dict[str, Any], region: str) -> list[Request]:
    """The IAM requests one API call is authorised by. DynamoDB transactions are authorised
    item by item (PutItem, UpdateItem, ...), not as TransactWriteItems."""
    if service == "dynamodb":
        if operation in ("TransactWriteItems", "TransactGetItems"):
            found = []
            for item in params.get("TransactItems", []):
                (kind, body), = item.items()
                found.append(Request(f"dynamodb:{_TRANSACT_ITEM_ACTIONS[kind]}", _table_arn(body["TableName"], region)))
            return found
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [Request(f"dynamodb:{operation}", _table_arn(name, region)) for name in params.get("RequestItems", {})]
        if "TableName" in params:
            return [Request(f"dynamodb:{operation}",
                            _table_arn(params["TableName"], region, params.get("IndexName")))]
        return [Request(f"dynamodb:{operation}", "*")]
    if service == "s3":
        action = _S3_ACTIONS.get(operation, operation)
        bucket = params.get("Bucket", "*")
        if operation == "DeleteObjects":
            return [Request("s3:DeleteObject", _object_arn(bucket, o["Key"]))
                    for o in params.get("Delete", {}).get("Objects", [])]
        key = None if action == "ListBucket" else params.get("Key")
        found = [Request(f"s3:{action}", _object_arn(bucket, key))]
        source = params.get("CopySource")
        if operation == "CopyObject" and isinstance(source, dict):  # the copy reads its source too
            found.append(Request("s3:GetObject", _object_arn(source["Bucket"], source["Key"])))
        return found
    if service == "sqs":
        action = "SendMessage" if operation == "SendMessageBatch" else operation
        url = params.get("QueueUrl")
        return [Request(f"sqs:{action}", _queue_arn(url, region) if url else "*")]
    if service == "ssm":
        if operation == "GetParameters":
            return [Request("ssm:GetParameters", _parameter_arn(n, region)) for n in params.get("Names", [])]
        name = params.get("Name") or params.get("Path")
        return [Request(f"ssm:{operation}", _parameter_arn(name, region) if name else "*")]
    if service == "sesv2":
        # SES v2 is authorised under the `ses` prefix, on the identity the mail is sent from.
        address = parseaddr(params.get("FromEmailAddress", ""))[1] or "*"
        return [Request(f"ses:{operation}", f"arn:aws:ses:{region}:{ACCOUNT_ID}:identity/{address}")]
    # A service this map does not know: the action by its API name, on any resource. A role
    # allowing it must name it; the failure message shows what was called.
    return [Request(f"{service}:{operation}", "*")]


# ---------------------------------------------------------------- recording
@dataclass
class Recorder:
    """function id -> the IAM requests its invocations needed (a set: each counted once)."""
    region: str
    calls: dict[str, set[Request]] = field(default_factory=lambda: defaultdict(set))
    outside: list[tuple[str, str]] = field(default_factory=list)  # calls made by no function (setup)
    current: str | None = None

    def add(self, service: str, operation: str, params: dict[str, Any]) -> None:
        if self.current is None:
            self.outside.append((service, operation))
            return
        self.calls[self.current].update(requests_of(service, operation, params or {}, self.region))

    def install(self, monkeypatch, before_invoke=None) -> None:
        """Record through every client, whatever session made it, from now on.
        `before_invoke` runs before each handler (e.g. to start it from a cold container)."""
        import botocore.client
        import botocore.signers

        from local.runtime import Runtime

        recorder = self
        original_call = botocore.client.BaseClient._make_api_call

        def make_api_call(client, operation_name, api_params):
            recorder.add(client.meta.service_model.service_name, operation_name, api_params)
            return original_call(client, operation_name, api_params)

        original_url = botocore.signers.generate_presigned_url
        original_post = botocore.signers.generate_presigned_post

        def presigned_url(client, ClientMethod, Params=None, ExpiresIn=3600, HttpMethod=None):
            operation = client._PY_TO_OP_NAME.get(ClientMethod, ClientMethod)
            recorder.add(client.meta.service_model.service_name, operation, Params or {})
            return original_url(client, ClientMethod, Params=Params, ExpiresIn=ExpiresIn, HttpMethod=HttpMethod)

        def presigned_post(client, Bucket, Key, Fields=None, Conditions=None, ExpiresIn=3600):
            # The browser's POST is a PutObject signed with this function's credentials.
            recorder.add("s3", "PutObject", {"Bucket": Bucket, "Key": Key})
            return original_post(client, Bucket, Key, Fields=Fields, Conditions=Conditions, ExpiresIn=ExpiresIn)

        original_invoke = Runtime.invoke

        def invoke(runtime, function_id, event, context=None):
            outer, recorder.current = recorder.current, function_id
            if before_invoke is not None and outer is None:
                before_invoke()
            try:
                return original_invoke(runtime, function_id, event, context)
            finally:
                recorder.current = outer

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", make_api_call)
        # Copied into each S3 client class when it is created: clients made before this line
        # keep the original, so the caller drops the cached clients after installing.
        monkeypatch.setattr(botocore.signers, "generate_presigned_url", presigned_url)
        monkeypatch.setattr(botocore.signers, "generate_presigned_post", presigned_post)
        monkeypatch.setattr(Runtime, "invoke", invoke)


# ---------------------------------------------------------------- the roles, as SAM makes them
@dataclass
class Role:
    function_id: str
    statements: list[dict[str, Any]]  # resolved: Action and Resource are lists of strings
    managed: list[str]  # managed policy ARNs

    def decide(self, request: Request) -> bool:
        allowed = False
        for statement in self.statements:
            if _matches(statement, request):
                if statement["Effect"] == "Deny":
                    return False
                allowed = True
        return allowed

    def own(self) -> list[dict[str, Any]]:
        """The Allow statements of the function's Policies (not those SAM adds for Lambda itself)."""
        return [s for s in self.statements if s["Effect"] == "Allow" and not s.get("Lambda")]

    def services(self) -> set[str]:
        return {a.split(":", 1)[0].lower() for s in self.own() for a in s["Action"]}


def _matches(statement: dict[str, Any], request: Request) -> bool:
    action = request.action.lower()
    if not any(fnmatch.fnmatchcase(action, pattern.lower()) for pattern in statement["Action"]):
        return False
    # IAM wildcards: * any run of characters (slashes included), ? one character.
    return any(fnmatch.fnmatchcase(request.resource, pattern) for pattern in statement["Resource"])


class FakeResolver(Resolver):
    """Refs the local stack does not emulate (a topic, an alarm) become stable fake names."""

    def ref(self, name: str) -> Any:
        try:
            return super().ref(name)
        except KeyError:
            return f"fake-{name}"

    def get_att(self, name: str, attr: str) -> str:
        try:
            return super().get_att(name, attr)
        except KeyError:
            return f"arn:aws:fake:{self.region}:{ACCOUNT_ID}:{name}/{attr}"


def _packaged(raw: dict[str, Any]) -> dict[str, Any]:
    """The template as `sam package` hands it to the transform: code in S3, not in folders."""
    raw = copy.deepcopy(raw)
    globals_fn = raw.get("Globals", {}).get("Function", {})
    if "CodeUri" in globals_fn:
        globals_fn["CodeUri"] = "s3://packaged/code.zip"
    for resource in raw["Resources"].values():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and "CodeUri" in props:
            props["CodeUri"] = "s3://packaged/code.zip"
        if resource.get("Type") == "AWS::Serverless::LayerVersion" and "ContentUri" in props:
            props["ContentUri"] = "s3://packaged/layer.zip"
    return raw


def transformed(template: Template, region: str) -> dict[str, Any]:
    """template.yaml after SAM's transform (policy templates expanded into statements)."""
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:  # the transform asks only for names that are not policy templates
        def load(self) -> dict[str, str]:
            return {}

    saved = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region  # the transform's pseudo parameters
    try:
        return transform(_packaged(template.raw), {}, NoManagedPolicies())
    finally:
        if saved is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = saved


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def role_policies(template: Template, physical: dict[str, dict[str, str]], region: str,
                  cfn: dict[str, Any] | None = None) -> dict[str, Role]:
    """function logical id -> its role, resolved against the moto account's names."""
    cfn = cfn if cfn is not None else transformed(template, region)
    resources = cfn["Resources"]
    resolver = FakeResolver(template, physical, region)
    roles: dict[str, Role] = {}
    for function_id in template.functions:
        role_ref = resources[function_id]["Properties"].get("Role")
        role_id = role_ref.get("Fn::GetAtt", [None])[0] if isinstance(role_ref, dict) else None
        if role_id not in resources:
            raise AssertionError(f"{function_id}: its role is not a resource of this template ({role_ref!r}); "
                                 f"the permission test can only check roles SAM makes from Policies")
        props = resources[role_id]["Properties"]
        statements = []
        for policy in props.get("Policies") or []:
            for statement in _as_list(policy["PolicyDocument"]["Statement"]):
                if "NotAction" in statement or "NotResource" in statement:
                    raise AssertionError(f"{function_id}: NotAction/NotResource cannot be checked here; "
                                         f"list the actions and resources")
                statements.append({
                    "Effect": statement["Effect"],
                    "Action": [str(a) for a in _as_list(statement["Action"])],
                    "Resource": [str(r) for r in _as_list(resolver.resolve(statement["Resource"]))],
                    "Policy": policy["PolicyName"],
                    # The function's own Policies become <Role>Policy<n>. SAM adds the others
                    # (DeadLetterQueuePolicy, EventInvokeConfig destinations) for Lambda itself
                    # to deliver a failed asynchronous event: the handler never uses them.
                    "Lambda": not re.fullmatch(rf"{re.escape(role_id)}Policy\d+", policy["PolicyName"]),
                })
        managed = [str(resolver.resolve(arn)) for arn in props.get("ManagedPolicyArns") or []]
        roles[function_id] = Role(function_id, statements, managed)
    return roles


# ---------------------------------------------------------------- the verdict
def problems(roles: dict[str, Role], calls: dict[str, Iterable[Request]],
             allowances: dict[tuple[str, str], str] | None = None) -> list[str]:
    """Every way the roles differ from the calls, one sentence each (empty: least privilege).

    `allowances`: (function id, service) -> why the function may hold a grant the tests
    cannot exercise; such a service is neither "never called" nor resource-checked."""
    allowances = allowances or {}
    found: list[str] = []
    for function_id, role in sorted(roles.items()):
        made = set(calls.get(function_id, ()))
        for request in sorted(made, key=lambda r: (r.action, r.resource)):
            if not role.decide(request):
                found.append(f"{function_id} calls {request.action} on {request.resource}, "
                             f"which its Policies do not allow")
        for arn in role.managed:
            name = arn.rsplit("/", 1)[-1]
            if name not in RUNTIME_MANAGED_POLICIES:
                found.append(f"{function_id} has the managed policy {arn}: its statements are not in the "
                             f"template, so nothing proves them; write the statements in Policies")
        called_services = {r.service for r in made}
        for service in sorted(role.services() - called_services):
            if (function_id, service) not in allowances:
                found.append(f"{function_id} may use {service} but never calls it")
        found.extend(_unused_grants(role, made, allowances))
    return found


def _too_wide(service: str, resource: str) -> str | None:
    """Why a resource pattern is wider than any function needs, whatever it was seen doing:
    the code reads parameters by their full names, and keeps each kind of object under
    its own prefix of the bucket."""
    if service == "ssm" and any(c in resource for c in "*?"):
        return "name each parameter the function reads (a path with a wildcard is every secret under it)"
    if service == "s3":
        _bucket, _, key = resource.partition(":::")[2].partition("/")
        if key and key[0] in "*?":
            return "the whole bucket: grant only under the prefixes the function uses (photos/, pdfs/, ...)"
    return None


def _unused_grants(role: Role, made: set[Request], allowances: dict[tuple[str, str], str]) -> list[str]:
    found = []
    function_id = role.function_id
    for statement in role.own():
        for service in sorted({a.split(":", 1)[0].lower() for a in statement["Action"]}):
            if service not in RESOURCE_CHECKED_SERVICES or (function_id, service) in allowances:
                continue
            actions = [a for a in statement["Action"] if a.split(":", 1)[0].lower() == service]
            for resource in statement["Resource"]:
                if resource == "*":
                    continue
                too_wide = _too_wide(service, resource)
                if too_wide:
                    found.append(f"{function_id} may use {resource} ({', '.join(actions)}): {too_wide}")
                    continue
                used = [r for r in made if fnmatch.fnmatchcase(r.resource, resource)
                        and any(fnmatch.fnmatchcase(r.action.lower(), a.lower()) for a in actions)]
                if not used:
                    found.append(f"{function_id} may use {resource} ({', '.join(actions)}) but never does")
                    continue
                for action in actions:
                    if action.lower() in WRITE_ACTIONS and not any(r.action.lower() == action.lower() for r in used):
                        found.append(f"{function_id} may {action} on {resource} but never does")
    writes = {a.lower() for s in role.own() for a in s["Action"]} & DYNAMODB_WRITES
    if writes and not any(r.action.lower() in DYNAMODB_WRITES for r in made) \
            and (function_id, "dynamodb") not in allowances:
        found.append(f"{function_id} may write the table ({', '.join(sorted(writes))}) but only reads: "
                     f"give it DynamoDBReadPolicy")
    return found
