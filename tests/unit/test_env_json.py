"""events/env.json (for `sam local invoke --env-vars`) says what template.yaml gives each function."""
from __future__ import annotations

import json

from local import env_json
from local.template import load_template

TEMPLATE = load_template()


def test_env_json_is_in_step_with_the_template():
    assert env_json.ENV_JSON.is_file(), "events/env.json is missing: run python -m local.env_json"
    assert env_json.ENV_JSON.read_text() == env_json.render(env_json.environments()), (
        "events/env.json is stale: run python -m local.env_json")
    assert env_json.main(["--check"]) == 0


def test_every_function_gets_every_globals_variable():
    written = json.loads(env_json.ENV_JSON.read_text())
    assert set(written) == set(TEMPLATE.functions)
    names = set(TEMPLATE.raw["Globals"]["Function"]["Environment"]["Variables"])
    for fn, variables in written.items():
        assert set(variables) == names, fn
        assert all(isinstance(v, str) for v in variables.values()), fn
    health = written["HealthFunction"]
    assert health["STAGE"] == TEMPLATE.parameters["Stage"]
    assert health["SECRETS_PATH"] == "/" + TEMPLATE.parameters["SecretsPath"]
    assert health["SELCOM_BASE_URL"] == TEMPLATE.parameters["SelcomBaseUrl"]


def test_stack_resources_are_placeholders_filled_from_the_stack_outputs(tmp_path):
    envs = env_json.environments()
    assert envs["HealthFunction"]["TABLE_NAME"] == "<TableName>"
    outputs = [{"OutputKey": "TableName", "OutputValue": "cvchapchap-dev-Table-ABC"},
               {"OutputKey": "BucketName", "OutputValue": "cvchapchap-dev-bucket-xyz"},
               {"OutputKey": "PdfQueueUrl", "OutputValue": "https://queues.example.invalid/1/q"},
               {"OutputKey": "NotifyQueueUrl", "OutputValue": "https://queues.example.invalid/1/n"},
               {"OutputKey": "AnalysisQueueUrl", "OutputValue": "https://queues.example.invalid/1/a"}]
    filled = env_json.fill(envs, outputs)
    assert filled["PdfFunction"]["TABLE_NAME"] == "cvchapchap-dev-Table-ABC"
    assert filled["PdfFunction"]["PDF_QUEUE_URL"].startswith("https://queues.example.invalid")
    assert not any(v.startswith("<") for variables in filled.values() for v in variables.values())
