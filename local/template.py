"""Reads template.yaml: the functions, their events, and the resources to emulate.

The local stack and the tests both use this module, so template.yaml stays the only place
where a function, a route, the table, the queues or the bucket is declared.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"
ACCOUNT_ID = "123456789012"


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that understands the short forms of CloudFormation intrinsics."""


def _intrinsic(name: str):
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return construct


for _tag in ("Ref", "Condition"):
    _CfnLoader.add_constructor(f"!{_tag}", _intrinsic(_tag))
for _tag in ("Sub", "GetAtt", "Join", "Select", "Split", "If", "Equals", "Not", "And", "Or",
             "FindInMap", "Base64", "GetAZs", "ImportValue"):
    _CfnLoader.add_constructor(f"!{_tag}", _intrinsic(f"Fn::{_tag}"))


@dataclass(frozen=True)
class Route:
    method: str  # upper case, or ANY
    path: str  # as in the template, e.g. /api/cvs/{id}
    function_id: str

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"

    @property
    def priority(self) -> tuple:
        """API Gateway's choice among matching routes: literal segments over {param} over
        {greedy+} over $default, and a method over ANY."""
        return (self.path == "$default", "+}" in self.path, self.path.count("{"), self.method == "ANY")

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters when this route serves the request, else None."""
        if self.method not in ("ANY", method.upper()):
            return None
        if self.path == "$default":  # the catch-all route of an HttpApi
            return {}
        pattern = "^" + re.sub(r"\\\{(\w+)(\\\+)?\\\}", _param_regex, re.escape(self.path)) + "$"
        found = re.match(pattern, path)
        return found.groupdict() if found else None


def _param_regex(m: re.Match) -> str:
    greedy = m.group(2) is not None
    return f"(?P<{m.group(1)}>{'.+' if greedy else '[^/]+'})"


@dataclass
class Function:
    logical_id: str
    handler: str  # module.path.function, relative to code_uri
    code_uri: Path
    timeout: int
    memory: int
    events: dict[str, dict] = field(default_factory=dict)
    layers: list[Path] = field(default_factory=list)  # source folders of its layers
    environment: dict | None = None  # the function's own Environment, if it declares one

    @property
    def module_name(self) -> str:
        return self.handler.rsplit(".", 1)[0].replace("/", ".")

    @property
    def source_file(self) -> Path:
        return self.code_uri / (self.module_name.replace(".", "/") + ".py")

    @property
    def event_file(self) -> Path:
        """The sample event of this function: events/ mirrors functions/."""
        return self.code_uri.parent / "events" / (self.module_name.replace(".", "/") + ".json")

    def events_of(self, *types: str) -> list[dict]:
        return [e.get("Properties", {}) for e in self.events.values() if e.get("Type") in types]


@dataclass
class Template:
    raw: dict
    parameters: dict[str, Any]
    functions: dict[str, Function]
    routes: list[Route]

    def resources_of(self, cfn_type: str) -> dict[str, dict]:
        return {k: v for k, v in self.raw["Resources"].items() if v.get("Type") == cfn_type}

    def find_route(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        # Literal segments win over parameters, as in API Gateway.
        candidates = []
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                candidates.append((route.priority, route, params))
        if not candidates:
            return None
        candidates.sort(key=lambda c: c[0])
        return candidates[0][1], candidates[0][2]

    def path_exists(self, path: str) -> list[str]:
        """Methods served on this path (for 405 and CORS answers)."""
        return sorted({r.method for r in self.routes if r.match(r.method, path) is not None})


def load_template(path: Path = TEMPLATE_PATH) -> Template:
    """Paths in the template (CodeUri, ContentUri) are relative to the template's folder."""
    path = Path(path).resolve()
    base = path.parent
    raw = yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    parameters = {k: v.get("Default") for k, v in raw.get("Parameters", {}).items()}
    globals_fn = raw.get("Globals", {}).get("Function", {})
    functions: dict[str, Function] = {}
    routes: list[Route] = []
    for logical_id, res in raw["Resources"].items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        own = res.get("Properties", {})
        props = {**globals_fn, **own}
        fn = Function(
            logical_id=logical_id,
            handler=props["Handler"],
            code_uri=base / props.get("CodeUri", "functions/"),
            timeout=int(props.get("Timeout", 3)),
            memory=int(props.get("MemorySize", 128)),
            events=props.get("Events", {}) or {},
            # SAM appends a function's own Layers to the Globals ones (lists are additive).
            layers=_layer_dirs(raw, base, [*(globals_fn.get("Layers") or []), *(own.get("Layers") or [])]),
            environment=own.get("Environment"),
        )
        functions[logical_id] = fn
        for ev in fn.events_of("HttpApi"):
            # Without Path and Method, an HttpApi event is the API's $default route.
            routes.append(Route(str(ev.get("Method", "ANY")).upper(), ev.get("Path", "$default"), logical_id))
    return Template(raw=raw, parameters=parameters, functions=functions, routes=routes)


def _layer_dirs(raw: dict, base: Path, layers: list) -> list[Path]:
    """Source folders of the template's own layers (`!Ref SomeLayerVersion`)."""
    found = []
    for layer in layers:
        name = layer.get("Ref") if isinstance(layer, dict) else None
        res = raw["Resources"].get(name or "", {})
        if res.get("Type") == "AWS::Serverless::LayerVersion":
            uri = res.get("Properties", {}).get("ContentUri")
            if isinstance(uri, str):
                found.append(base / uri)
    return found


# ---------------------------------------------------------------- intrinsic resolution
class Resolver:
    """Evaluates Ref / Sub / GetAtt / Join / Select / Split against local physical names."""

    def __init__(self, template: Template, physical: dict[str, dict[str, str]], region: str,
                 overrides: dict[str, Any] | None = None):
        self.template = template
        self.physical = physical  # logical id -> {"Ref": ..., "Arn": ..., ...}
        self.region = region
        self.params = {**template.parameters, **(overrides or {})}

    def ref(self, name: str) -> Any:
        if name in self.params:
            value = self.params[name]
            spec = self.template.raw.get("Parameters", {}).get(name, {})
            if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
                return [v.strip() for v in value.split(",") if v.strip()]
            return value
        pseudo = {"AWS::Region": self.region, "AWS::AccountId": ACCOUNT_ID,
                  "AWS::StackName": "cvchapchap-local", "AWS::URLSuffix": "amazonaws.com",
                  "AWS::Partition": "aws"}
        if name in pseudo:
            return pseudo[name]
        if name in self.physical:
            return self.physical[name]["Ref"]
        raise KeyError(f"template.yaml refers to {name!r}, which the local stack does not emulate")

    def get_att(self, name: str, attr: str) -> str:
        try:
            return self.physical[name][attr]
        except KeyError:
            raise KeyError(f"the local stack has no {name}.{attr}") from None

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self.get_att(*arg) if isinstance(arg, list) else self.get_att(*arg.split(".", 1))
            if key == "Fn::Sub":
                text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
                return re.sub(r"\$\{([^}!]+)\}", lambda m: str(self._sub_var(m.group(1), extra)), text)
            if key == "Fn::Join":
                sep, items = arg
                return sep.join(str(i) for i in self.resolve(items))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(sep)
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub_var(self, name: str, extra: dict) -> Any:
        if name in extra:
            return extra[name]
        if "." in name and not name.startswith("AWS::"):
            return self.get_att(*name.split(".", 1))
        value = self.ref(name)
        return ",".join(value) if isinstance(value, list) else value


def global_environment(template: Template, resolver: Resolver) -> dict[str, str]:
    """The Globals environment, resolved; every function shares it (docs/local-stack.md)."""
    variables = (template.raw.get("Globals", {}).get("Function", {})
                 .get("Environment", {}).get("Variables", {}))
    resolved = resolver.resolve(variables)
    return {k: ",".join(v) if isinstance(v, list) else str(v) for k, v in resolved.items()}


# ---------------------------------------------------------------- creating resources
def create_resources(template: Template, *, prefix: str, region: str,
                     session=None, overrides: dict[str, Any] | None = None) -> dict[str, dict[str, str]]:
    """Create the table, queues and bucket of the template with boto3 (against moto).

    Returns logical id -> {"Ref": physical name or URL, "Arn": arn, ...}. Creating what
    already exists is fine: the local stack calls this at every start.
    """
    import boto3

    session = session or boto3.session.Session(region_name=region)
    physical: dict[str, dict[str, str]] = {}
    resolver = Resolver(template, physical, region, overrides)

    # Queues first: a redrive policy names its dead-letter queue by ARN.
    sqs = session.client("sqs", region_name=region)
    queues = template.resources_of("AWS::SQS::Queue")
    ordered = sorted(queues, key=lambda q: "RedrivePolicy" in queues[q].get("Properties", {}))
    for logical_id in ordered:
        props = queues[logical_id].get("Properties", {})
        name = f"{prefix}-{logical_id}"
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = f"arn:aws:sqs:{region}:{ACCOUNT_ID}:{name}"
        physical[logical_id] = {"Ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}
        attributes = {}
        for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds"):
            if key in props:
                attributes[key] = str(props[key])
        if "RedrivePolicy" in props:
            import json

            policy = resolver.resolve(props["RedrivePolicy"])
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": policy["deadLetterTargetArn"],
                 "maxReceiveCount": str(policy["maxReceiveCount"])})
        if attributes:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)

    ddb = session.client("dynamodb", region_name=region)
    for logical_id, res in template.resources_of("AWS::DynamoDB::Table").items():
        props = res["Properties"]
        name = f"{prefix}-{logical_id}".lower()
        kwargs = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        try:
            ddb.create_table(**kwargs)
        except ddb.exceptions.ResourceInUseException:
            pass
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        physical[logical_id] = {"Ref": name, "Arn": f"arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/{name}"}

    s3 = session.client("s3", region_name=region)
    for logical_id, res in template.resources_of("AWS::S3::Bucket").items():
        props = res.get("Properties", {})
        name = f"{prefix}-{logical_id}".lower()
        try:
            if region == "us-east-1":
                s3.create_bucket(Bucket=name)
            else:
                s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        except (s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
            pass
        physical[logical_id] = {"Ref": name, "Arn": f"arn:aws:s3:::{name}"}
        cors = props.get("CorsConfiguration")
        if cors:
            rules = resolver.resolve(cors)["CorsRules"]
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [
                {k.replace("MaxAge", "MaxAgeSeconds"): v for k, v in rule.items()} for rule in rules]})

    for logical_id, res in template.resources_of("AWS::Logs::LogGroup").items():
        try:
            name = str(resolver.resolve(res.get("Properties", {}).get("LogGroupName", logical_id)))
        except KeyError:
            name = logical_id
        physical[logical_id] = {"Ref": name, "Arn": f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{name}"}
    for logical_id in template.resources_of("AWS::Serverless::LayerVersion"):
        physical[logical_id] = {"Ref": logical_id}
    for logical_id in template.resources_of("AWS::Serverless::HttpApi"):
        physical[logical_id] = {"Ref": "local"}
    return physical
