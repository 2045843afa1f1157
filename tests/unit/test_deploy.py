"""What a real deploy depends on, checked on the template as CloudFormation receives it (SAM's
transform, the same samtranslator `sam deploy` uses) and on samconfig.toml: stages that share an
account without colliding, the Selcom gateway of each stage, the alarms and the schedules'
retries and dead letters. docs/deploy.md explains each."""
from __future__ import annotations

import copy
import os
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from local.template import ROOT, load_template

TEMPLATE = load_template()
RAW = TEMPLATE.raw
RESOURCES = RAW["Resources"]
LIVE = "https://apigw.selcommobile.com/v1"
SANDBOX = "https://apigwtest.selcommobile.com/v1"
SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text())
STAGES = ("dev", "staging", "prod")

# The property that names a resource account-wide (or region-wide), by type. Two stacks that
# give one of these the same value collide.
NAME_PROPERTIES = {
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Scheduler::Schedule": "Name",
    "AWS::Scheduler::ScheduleGroup": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::ApiGatewayV2::Api": "Name",
    "AWS::SSM::Parameter": "Name",
}
# Types whose names, if any, live inside another resource (an API's stage, a function's alias).
UNNAMED_TYPES = {
    "AWS::ApiGatewayV2::Stage", "AWS::Lambda::Permission", "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::S3::BucketPolicy", "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy",
}


def transformed(parameters: dict[str, str]) -> dict:
    """template.yaml through SAM's transform, with these parameter values."""
    from samtranslator.translator.transform import transform

    raw = copy.deepcopy(RAW)
    # What `sam deploy` does first: local code folders become the S3 objects it uploaded.
    raw["Globals"]["Function"]["CodeUri"] = "s3://artifacts/code.zip"
    for resource in raw["Resources"].values():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            resource["Properties"]["ContentUri"] = "s3://artifacts/layer.zip"
        elif resource["Type"] == "AWS::Serverless::Function" and "CodeUri" in resource.get("Properties", {}):
            resource["Properties"]["CodeUri"] = "s3://artifacts/code.zip"

    class NoManagedPolicies:
        def load(self):
            return {}

    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = "af-south-1"
    try:
        return transform(raw, parameters, NoManagedPolicies())
    finally:
        if previous is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous


def resolve(value, parameters: dict[str, str]):
    """Parameters and pseudo parameters in a name; a resource reference stays a marker (the
    same in both stacks, so a name built on one alone counts as a collision)."""
    params = {k: v for k, v in TEMPLATE.parameters.items()}
    params.update(parameters)
    # One stack name for both: the stage alone must keep the names apart.
    params.update({"AWS::StackName": "cvchapchap", "AWS::Region": "af-south-1", "AWS::AccountId": "123456789012",
                   "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"})
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref":
            return str(params[arg]) if arg in params else f"<{arg}>"
        if key == "Fn::Sub":
            text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            for name in __import__("re").findall(r"\$\{([^}!]+)\}", text):
                found = resolve(extra[name], parameters) if name in extra else (
                    str(params[name]) if name in params else f"<{name}>")
                text = text.replace("${" + name + "}", found)
            return text
        if key == "Fn::Join":
            return arg[0].join(resolve(v, parameters) for v in arg[1])
    return f"<{value!r}>"


def physical_names(parameters: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Resolved name -> (logical id, type) of every resource that names itself."""
    names: dict[str, tuple[str, str]] = {}
    for logical_id, resource in transformed(parameters)["Resources"].items():
        kind = resource["Type"]
        assert kind in NAME_PROPERTIES or kind in UNNAMED_TYPES, (
            f"{logical_id}: {kind} is new to this test: add the property that names it to NAME_PROPERTIES "
            f"(or the type to UNNAMED_TYPES if its names are scoped to another resource)")
        value = (resource.get("Properties") or {}).get(NAME_PROPERTIES.get(kind, ""))
        if value is not None:
            names[f"{kind} {resolve(value, parameters)}"] = (logical_id, kind)
    return names


DEV = {"Stage": "dev"}
PROD = {"Stage": "prod", "SelcomBaseUrl": LIVE}


@pytest.fixture(scope="module")
def dev_and_prod_names():
    return physical_names(DEV), physical_names(PROD)


# ---------------------------------------------------------------- two stages in one account
def test_two_stages_name_nothing_alike(dev_and_prod_names):
    dev, prod = dev_and_prod_names
    assert dev and prod
    shared = sorted(set(dev) & set(prod))
    assert not shared, f"dev and prod stacks would both create: {shared}"


def test_every_given_name_carries_the_stage(dev_and_prod_names):
    dev, prod = dev_and_prod_names
    for names, stage in ((dev, "dev"), (prod, "prod")):
        for name in names:
            assert stage in name.split(" ", 1)[1], f"{name} does not include the stage {stage}"


def test_the_schedules_are_named_explicitly(dev_and_prod_names):
    # SAM names a ScheduleV2 after its logical id otherwise (SAM issue #3109).
    dev, _ = dev_and_prod_names
    schedules = {logical_id for logical_id, kind in dev.values() if kind == "AWS::Scheduler::Schedule"}
    expected = {f"{fn.logical_id}{name}" for fn in TEMPLATE.functions.values()
                for name, event in fn.events.items() if event.get("Type") == "ScheduleV2"}
    assert expected and schedules == expected
    for fn in TEMPLATE.functions.values():
        for name, event in fn.events.items():
            if event.get("Type") == "ScheduleV2":
                assert "Name" in event["Properties"], f"{fn.logical_id}.{name} has no explicit Name"


# ---------------------------------------------------------------- Selcom gateway per stage
def _rules_pass(parameters: dict[str, str]) -> list[str]:
    """The descriptions of the template Rules these parameters break (CloudFormation's check)."""
    values = {**TEMPLATE.parameters, **parameters}

    def ev(node):
        if isinstance(node, dict):
            (key, arg), = node.items()
            if key == "Ref":
                return values[arg]
            if key == "Fn::Equals":
                return str(ev(arg[0])) == str(ev(arg[1]))
            if key == "Fn::Not":
                return not ev(arg[0])
            if key == "Fn::And":
                return all(ev(a) for a in arg)
            if key == "Fn::Or":
                return any(ev(a) for a in arg)
            raise AssertionError(f"this test cannot evaluate {key} in Rules")
        return node

    broken = []
    for rule in (RAW.get("Rules") or {}).values():
        if "RuleCondition" in rule and not ev(rule["RuleCondition"]):
            continue
        broken += [a["AssertDescription"] for a in rule["Assertions"] if not ev(a["Assert"])]
    return broken


@pytest.mark.parametrize("stage, url, allowed", [
    ("prod", LIVE, True), ("prod", SANDBOX, False), ("prod", None, False),
    ("staging", SANDBOX, True), ("staging", LIVE, False), ("dev", None, True), ("dev", LIVE, False)])
def test_prod_and_only_prod_uses_the_live_gateway(stage, url, allowed):
    parameters = {"Stage": stage, **({"SelcomBaseUrl": url} if url else {})}
    assert (not _rules_pass(parameters)) is allowed


def _overrides(env: str) -> dict[str, str]:
    text = SAMCONFIG[env]["deploy"]["parameters"]["parameter_overrides"]
    return dict(item.split("=", 1) for item in shlex.split(text))


@pytest.mark.parametrize("env", STAGES)
def test_samconfig_has_each_stage_in_af_south_1(env):
    deploy = SAMCONFIG[env]["deploy"]["parameters"]
    assert deploy["region"] == SAMCONFIG[env]["global"]["parameters"]["region"] == "af-south-1"
    overrides = _overrides(env)
    assert overrides["Stage"] == env
    assert set(overrides) <= set(TEMPLATE.parameters), f"{env} overrides parameters the template lacks"
    assert overrides["SelcomBaseUrl"] == (LIVE if env == "prod" else SANDBOX)
    assert _rules_pass(overrides) == [], f"the {env} config would fail the template's Rules"
    assert env in SAMCONFIG[env]["global"]["parameters"]["stack_name"]


def test_default_config_is_dev():
    assert _overrides("default") == _overrides("dev")
    assert SAMCONFIG["default"]["global"]["parameters"] == SAMCONFIG["dev"]["global"]["parameters"]
    stacks = {SAMCONFIG[env]["global"]["parameters"]["stack_name"] for env in STAGES}
    assert len(stacks) == len(STAGES)


# ---------------------------------------------------------------- alarms
ALARMS = {k: v["Properties"] for k, v in RESOURCES.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
QUEUES = {k for k, v in RESOURCES.items() if v["Type"] == "AWS::SQS::Queue"}
SCHEDULES = [(fn, name, event["Properties"]) for fn in TEMPLATE.functions.values()
             for name, event in fn.events.items() if event.get("Type") == "ScheduleV2"]


def _dead_letter_queues() -> set[str]:
    found = set()
    for queue in QUEUES:
        target = ((RESOURCES[queue].get("Properties") or {}).get("RedrivePolicy") or {}).get("deadLetterTargetArn")
        if target:
            found.add(target["Fn::GetAtt"][0])
    for _, _, props in SCHEDULES:
        found.add(props["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0])
    return found


def _watching(metric: str, dimension: str | None = None, target: str | None = None) -> list[str]:
    found = []
    for name, props in ALARMS.items():
        if props.get("MetricName") != metric:
            continue
        dims = {d["Name"]: d["Value"] for d in props.get("Dimensions") or []}
        if dimension is None and not dims:
            found.append(name)
        elif dimension in dims and target in str(dims[dimension]):
            found.append(name)
    return found


def test_every_alarm_tells_the_topic_and_quiet_is_not_an_alarm():
    assert ALARMS
    for name, props in ALARMS.items():
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert props["OKActions"] == [{"Ref": "AlarmTopic"}], name
        assert props["TreatMissingData"] == "notBreaching", name
    subscription = RESOURCES["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert TEMPLATE.parameters["AlarmEmail"] == ""


def test_every_dead_letter_queue_has_a_depth_alarm():
    dlqs = _dead_letter_queues()
    assert len(dlqs) == 3 + len(SCHEDULES)  # the PDF, notification and analysis queues', and each schedule's
    for queue in dlqs:
        alarms = _watching("ApproximateNumberOfMessagesVisible", "QueueName", f"'{queue}'")
        assert alarms, f"no alarm on the depth of {queue}"
        assert ALARMS[alarms[0]]["Threshold"] == 0
        assert ALARMS[alarms[0]]["ComparisonOperator"] == "GreaterThanThreshold"


@pytest.mark.parametrize("function_id", ["PdfFunction", "SendMessagesFunction", "AnalysisFunction",
                                         "ReconcilePaymentsFunction", "DailyRollupFunction"])
def test_errors_of_the_background_functions_alarm(function_id):
    assert _watching("Errors", "FunctionName", f"'{function_id}'"), f"no Errors alarm for {function_id}"


def test_throttles_and_api_5xx_rate_alarm():
    assert _watching("Throttles")
    api = ALARMS["Api5xxRateAlarm"]
    stats = {m["Id"]: m["MetricStat"]["Metric"] for m in api["Metrics"] if "MetricStat" in m}
    assert stats["errors"]["MetricName"] == "5xx" and stats["requests"]["MetricName"] == "Count"
    for metric in stats.values():
        assert metric["Namespace"] == "AWS/ApiGateway"
        assert metric["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "HttpApi"}}]
    assert api["Threshold"] == {"Ref": "Api5xxRatePercent"}


def test_payment_metrics_alarm():
    assert _watching("PaymentCompletedWithoutWebhook", "service", "cvchapchap")
    assert _watching("PaymentFlagged", "service", "cvchapchap")


# ---------------------------------------------------------------- schedules and the PDF queue
@pytest.mark.parametrize("schedule", SCHEDULES, ids=[f"{fn.logical_id}.{name}" for fn, name, _ in SCHEDULES])
def test_schedules_retry_then_dead_letter(schedule):
    fn, _, props = schedule
    retry = props["RetryPolicy"]
    assert 0 <= retry["MaximumRetryAttempts"] <= 185
    assert 60 <= retry["MaximumEventAgeInSeconds"] <= 86400
    assert props["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0] in QUEUES


def test_schedule_dead_letters_can_be_sent(dev_and_prod_names):
    # SAM gives each schedule's role sqs:SendMessage on its dead-letter queue.
    resources = transformed(DEV)["Resources"]
    for fn, name, props in SCHEDULES:
        role = resources[f"{fn.logical_id}{name}Role"]["Properties"]
        statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
        assert any(s["Action"] == "sqs:SendMessage" and s["Resource"] == props["DeadLetterConfig"]["Arn"]
                   for s in statements), f"{fn.logical_id}.{name} cannot write its dead-letter queue"


def test_pdf_renders_are_capped_by_the_event_source_not_reserved_concurrency():
    pdf = TEMPLATE.functions["PdfFunction"]
    (event,) = pdf.events_of("SQS")
    assert event["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "PdfMaxConcurrency"}
    assert RAW["Parameters"]["PdfMaxConcurrency"]["MinValue"] >= 2
    assert "ReservedConcurrentExecutions" not in RESOURCES["PdfFunction"]["Properties"]


# ---------------------------------------------------------------- retention (cfn-lint I3011)
@pytest.mark.parametrize("logical_id", sorted(k for k, v in RESOURCES.items()
                                              if v["Type"] in ("AWS::SQS::Queue", "AWS::Logs::LogGroup",
                                                               "AWS::DynamoDB::Table", "AWS::S3::Bucket")))
def test_stateful_resources_say_what_happens_on_delete_and_replace(logical_id):
    resource = RESOURCES[logical_id]
    assert resource.get("DeletionPolicy") in ("Delete", "Retain", "Snapshot", "RetainExceptOnCreate")
    assert resource.get("UpdateReplacePolicy") in ("Delete", "Retain", "Snapshot")


def test_cfn_lint_informational_checks_are_clean():
    # The template path goes first: --include-checks takes several values and would swallow it.
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    if not cfn_lint.is_file():
        pytest.skip("cfn-lint is not installed next to this Python")
    proc = subprocess.run([str(cfn_lint), "template.yaml", "--include-checks", "I"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert (proc.returncode, proc.stdout.strip()) == (0, ""), proc.stdout + proc.stderr
