"""openapi.json: up to date, valid OpenAPI 3.1, one operation per route, and true to the code.

"True to the code": the real handlers (on moto, with the Selcom simulator) answer only
statuses the document lists for their operation, with bodies its schemas accept, and the
security it states is the one they enforce.
"""
from __future__ import annotations

import json
import os
import uuid

import pytest
from jsonschema import Draft202012Validator

from local.openapi import OUTPUT, build_document, render
from local.template import load_template
from tests.support.apigw import ApiClient, invoke

TEMPLATE = load_template()
DOCUMENT = json.loads(OUTPUT.read_text(encoding="utf-8"))
OPERATIONS = [(path, method, op) for path, methods in DOCUMENT["paths"].items() for method, op in methods.items()]
PASSWORD = "correct horse battery"


def operation(method: str, path: str) -> dict:
    found = TEMPLATE.find_route(method, path)
    assert found, f"no route for {method} {path}"
    return DOCUMENT["paths"][found[0].path][method.lower()]


def check_body(op: dict, status: int, body) -> None:
    """The response is documented for the operation and its body fits the schema."""
    responses = op["responses"]
    assert str(status) in responses, f"{op['operationId']} answered {status}, documented {sorted(responses)}: {body}"
    documented = responses[str(status)]
    if "content" not in documented:
        assert body in (None, ""), f"{op['operationId']} {status} should have no body"
        return
    schema = {**documented["content"]["application/json"]["schema"], "components": DOCUMENT["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(body), key=str)
    assert not errors, f"{op['operationId']} {status}: {errors[0].message} at {list(errors[0].absolute_path)}"
    codes = documented.get("x-error-codes")
    if codes:
        assert body["error"]["code"] in codes, f"{op['operationId']} {status}: {body['error']['code']} not in {codes}"


class CheckedApi(ApiClient):
    """Every reply is checked against the document; `seen` records (operationId, status)."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, int]] = set()

    def request(self, method, path, **kw):
        reply = super().request(method, path, **kw)
        op = operation(method, path)
        check_body(op, reply.status, reply.body)
        self.seen.add((op["operationId"], reply.status))
        return reply


# ---------------------------------------------------------------- the file itself
def test_openapi_json_is_up_to_date():
    environment = dict(os.environ)
    assert OUTPUT.read_text(encoding="utf-8") == render(build_document()), \
        "openapi.json is stale: run `make openapi` and commit it"
    assert dict(os.environ) == environment  # no dummy TABLE_NAME left for a stack started later


def test_document_is_valid_openapi_3_1():
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator

    assert DOCUMENT["openapi"].startswith("3.1.")
    validate(DOCUMENT, cls=OpenAPIV31SpecValidator)


def test_every_route_of_the_template_appears_exactly_once():
    expected = sorted((r.path, r.method.lower(), r.function_id) for r in TEMPLATE.routes)
    found = sorted((path, method, op["operationId"]) for path, method, op in OPERATIONS)
    assert found == expected
    ids = [op["operationId"] for _, _, op in OPERATIONS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("path, method, op", OPERATIONS, ids=[op["operationId"] for _, _, op in OPERATIONS])
def test_every_operation_is_documented(path, method, op):
    assert op["summary"] and op["tags"] and "security" in op
    assert "<" not in path and all(p in path for p in ("{" + q["name"] + "}" for q in op.get("parameters", [])
                                                       if q["in"] == "path"))
    statuses = [int(s) for s in op["responses"]]
    assert any(200 <= s < 300 for s in statuses), "no success response"
    for status, response in op["responses"].items():
        assert response["description"]
        if int(status) >= 400:
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}
            assert response["x-error-codes"]
    if op["security"] and {} not in op["security"]:
        assert "401" in op["responses"]


def test_docs_paths_are_free():
    assert not [r for r in TEMPLATE.routes if r.path == "/api/docs" or r.path.startswith("/api/docs/")]


def test_generated_parts():
    register = DOCUMENT["paths"]["/api/auth/register"]["post"]
    assert register["operationId"] == "RegisterFunction" and register["security"] == []
    assert set(register["responses"]) == {"201", "400", "409", "413", "415", "422"}
    body = register["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/RegisterIn"}
    cvs = DOCUMENT["paths"]["/api/cvs/{id}"]
    assert cvs["get"]["parameters"][0]["name"] == "id"
    assert cvs["get"]["security"] == [{"bearerAuth": []}, {"anonymousId": []}]
    assert DOCUMENT["paths"]["/api/cvs"]["post"]["security"][-1] == {}  # a visitor with nothing
    listed = DOCUMENT["paths"]["/api/cvs"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed["properties"]["data"]["type"] == "array" and "meta" in listed["required"]
    download = DOCUMENT["paths"]["/api/payments/download/{cv_id}"]["get"]["responses"]
    assert {"200", "202", "402"} <= set(download)
    assert DOCUMENT["paths"]["/api/auth/logout"]["post"]["responses"]["204"] == {"description": "No Content"}
    headers = [p["name"] for p in DOCUMENT["paths"]["/api/payments/initiate"]["post"]["parameters"]]
    assert headers == ["Idempotency-Key"]
    assert DOCUMENT["components"]["securitySchemes"]["anonymousId"]["name"] == "X-Anonymous-Id"


# ---------------------------------------------------------------- true to the code
@pytest.mark.parametrize("path, method, op", OPERATIONS, ids=[op["operationId"] for _, _, op in OPERATIONS])
def test_security_is_what_the_handler_enforces(aws, catalog, path, method, op):
    """Without credentials, protected operations answer 401, public ones never 401/403."""
    concrete = path
    for param in op.get("parameters", []):
        if param["in"] == "path":
            concrete = concrete.replace("{" + param["name"] + "}", str(uuid.uuid4()))
    body = {} if "requestBody" in op else None
    reply = ApiClient().request(method.upper(), concrete, json_body=body)
    check_body(op, reply.status, reply.body)
    body_first = reply.status == 422 and op.get("requestBody", {}).get("required")  # validated before the guard
    if op["security"] and {} not in op["security"]:
        assert reply.status == 401 or body_first, f"{op['operationId']} answered {reply.status} without credentials"
    else:
        assert reply.status not in (401, 403), f"{op['operationId']} is documented public but answered {reply.status}"
    if any("bearerAuth" in s for s in op["security"]):
        bad = ApiClient().request(method.upper(), concrete, json_body=body, token="not-a-jwt")
        check_body(op, bad.status, bad.body)
        assert bad.status == 401 or (bad.status == 422 and body_first)


JOURNEY_OPERATIONS = {
    "HealthFunction", "RegisterFunction", "LoginFunction", "RefreshFunction", "LogoutFunction", "AuthMeFunction",
    "UserMeFunction", "UpdateMeFunction", "ChangePasswordFunction", "ListTemplatesFunction", "CreateCvFunction",
    "ListCvsFunction", "GetCvFunction", "UpdateCvFunction", "DeleteCvFunction", "DuplicateCvFunction",
    "PresignUploadFunction", "InitiatePaymentFunction", "PaymentCallbackFunction", "VerifyPaymentFunction",
    "ListPaymentsFunction", "PaymentReceiptFunction", "DownloadCvFunction",
}


def test_responses_of_a_whole_journey_fit_the_document(aws, catalog, selcom_sim, queue_messages):
    api = CheckedApi()
    assert api.get("/api/health").status == 200
    assert api.get("/api/templates").status == 200

    # Anonymous CV, then registration hands it over.
    made = api.post("/api/cvs", json={"template_id": "modern-ocean", "title": "Mhasibu",
                                      "content": {"basics": {"name": "Amina Juma", "label": "Accountant"}}})
    assert made.status == 201
    anonymous = made.data["anonymous_id"]
    assert api.get("/api/cvs", headers={"x-anonymous-id": anonymous}).status == 200
    assert api.get("/api/cvs", headers={"x-anonymous-id": "nope"}).status == 401
    photo = api.post("/api/uploads/presigned-url", json={"purpose": "cv_photo", "content_type": "image/png",
                                                         "size": 1000}, headers={"x-anonymous-id": anonymous})
    assert photo.status == 200
    too_big = {"purpose": "cv_photo", "content_type": "image/png", "size": 10**8}
    assert api.post("/api/uploads/presigned-url", json=too_big, headers={"x-anonymous-id": anonymous}).status == 422
    auth = api.post("/api/auth/register", json={"full_name": "Amina Juma", "email": "amina@example.com",
                                                "password": PASSWORD, "phone_number": "0754 100 200",
                                                "anonymous_id": anonymous})
    assert auth.status == 201
    assert api.post("/api/auth/register", json={"full_name": "A", "email": "amina@example.com",
                                                "password": PASSWORD}).status == 409
    token, cv_id = auth.data["access_token"], made.data["cv"]["id"]
    assert api.get("/api/auth/me", token=token).status == 200
    assert api.get("/api/user/me", token=token).status == 200
    assert api.patch("/api/user/me", json={"full_name": "Amina J. Juma"}, token=token).status == 200
    assert api.patch("/api/user/me", json={"role": "admin"}, token=token).status == 422
    assert api.post("/api/auth/login", json={"email": "amina@example.com", "password": "wrong password"}).status == 401
    login = api.post("/api/auth/login", json={"email": "amina@example.com", "password": PASSWORD})
    assert login.status == 200
    refreshed = api.post("/api/auth/refresh", json={"refresh_token": login.data["refresh_token"]})
    assert refreshed.status == 200
    assert api.post("/api/auth/logout", json={}, token=refreshed.data["access_token"]).status == 204
    assert api.post("/api/auth/refresh", json={"refresh_token": login.data["refresh_token"]}).status == 401
    assert api.post("/api/auth/refresh", body="{", json=None).status == 400

    # CVs of the signed-in user.
    assert api.get("/api/cvs", token=token, query="limit=1").status == 200
    assert api.get("/api/cvs", token=token, query="limit=0").status == 400
    assert api.get("/api/cvs", token=token, query="cursor=forged").status == 400
    assert api.get(f"/api/cvs/{cv_id}", token=token).status == 200
    assert api.get(f"/api/cvs/{uuid.uuid4()}", token=token).status == 404
    assert api.put(f"/api/cvs/{cv_id}", json={"content": {"basics": {"name": "Amina Juma", "email": "a@b.tz"},
                                                          "work": [{"name": "CRDB", "startDate": "2019-01"}]}},
                   token=token).status == 200
    assert api.put(f"/api/cvs/{cv_id}", json={"content": {"work": [{"startDate": "jana"}]}}, token=token).status == 422
    copy = api.post(f"/api/cvs/{cv_id}/duplicate", token=token)
    assert copy.status == 201
    assert api.delete(f"/api/cvs/{copy.data['cv']['id']}", token=token).status == 204

    # Pay, confirm by webhook, render, download, receipt.
    assert api.get(f"/api/payments/download/{cv_id}", token=token).status == 402
    started = api.post("/api/payments/initiate", json={"cv_id": cv_id}, token=token,
                       headers={"idempotency-key": "journey-1"})
    assert started.status == 201
    reference = started.data["payment"]["reference"]
    assert api.get(f"/api/payments/{reference}/receipt", token=token).status == 409
    assert api.get(f"/api/payments/verify/{reference}", token=token).status == 200
    selcom_sim.pay(reference)
    assert api.post("/api/payments/callback", json={"order_id": reference, "payment_status": "COMPLETED",
                                                    "result": "SUCCESS", "resultcode": "000"}).status == 200
    assert api.post("/api/payments/initiate", json={"cv_id": cv_id}, token=token).status == 409
    assert api.get(f"/api/payments/verify/{reference}", token=token).data["payment"]["status"] == "completed"
    assert api.get("/api/payments", token=token).status == 200
    assert api.get(f"/api/payments/download/{cv_id}", token=token).status == 202
    for message in queue_messages():
        record = {"messageId": "m1", "receiptHandle": "h", "body": json.dumps(message),
                  "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
                  "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:af-south-1:123456789012:q",
                  "awsRegion": "af-south-1"}
        assert invoke("PdfFunction", {"Records": [record]}) == {"batchItemFailures": []}
    assert api.get(f"/api/payments/download/{cv_id}", token=token).status == 200
    assert api.get(f"/api/payments/{reference}/receipt", token=token).status == 200
    new = "another good passphrase"
    wrong = {"current_password": "not it at all", "new_password": new}
    assert api.post("/api/user/me/password", json=wrong, token=token).status == 422
    right = {"current_password": PASSWORD, "new_password": new}
    assert api.post("/api/user/me/password", json=right, token=token).status == 204

    covered = {op for op, status in api.seen if status < 300}
    assert JOURNEY_OPERATIONS <= covered, f"not exercised: {sorted(JOURNEY_OPERATIONS - covered)}"
