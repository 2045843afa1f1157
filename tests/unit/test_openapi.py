"""openapi.json: up to date, valid OpenAPI 3.1, one operation per route, and true to the code.

"True to the code": the real handlers (on moto, with the Selcom simulator) answer only
statuses the document lists for their operation, with bodies its schemas accept, and the
security it states is the one they enforce.
"""
from __future__ import annotations

import json
import os
import uuid
from urllib.parse import quote

import pytest

from local.openapi import OPERATION_IDS, OUTPUT, build_document, render
from tests.support.apigw import ApiClient, invoke
from tests.support.contract import DOCUMENT, TEMPLATE, CheckedApi, check_body, operation, resolve
from tests.support.shop import admin_token, new_cv, pay, register
OPERATIONS = [(path, method, op) for path, methods in DOCUMENT["paths"].items() for method, op in methods.items()]
PASSWORD = "correct horse battery"


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
    found = sorted((path, method, op["x-function"]) for path, method, op in OPERATIONS)
    assert found == expected
    ids = [op["operationId"] for _, _, op in OPERATIONS]
    assert len(ids) == len(set(ids))


def test_operation_ids_are_chosen_names():
    """Every route has a name in OPERATION_IDS (what generated clients call it), none left to
    the logical-id fallback, and every success body is a named envelope."""
    named = {f"{method.upper()} {path}": op["operationId"] for path, method, op in OPERATIONS}
    assert named == OPERATION_IDS
    for _, _, op in OPERATIONS:
        for status, response in op["responses"].items():
            if "content" in response and int(status) < 300:
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.startswith("#/components/schemas/") and ref.endswith("Envelope")


@pytest.mark.parametrize("path, method, op", OPERATIONS, ids=[op["x-function"] for _, _, op in OPERATIONS])
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
    assert register["operationId"] == "register" and register["x-function"] == "RegisterFunction"
    assert register["security"] == []
    assert set(register["responses"]) == {"201", "400", "409", "413", "415", "422", "503"}
    body = register["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/RegisterIn"}
    cvs = DOCUMENT["paths"]["/api/cvs/{id}"]
    assert cvs["get"]["parameters"][0]["name"] == "id"
    assert cvs["get"]["security"] == [{"bearerAuth": []}, {"anonymousId": []}]
    assert DOCUMENT["paths"]["/api/cvs"]["post"]["security"][-1] == {}  # a visitor with nothing
    listed = resolve(DOCUMENT["paths"]["/api/cvs"]["get"]["responses"]["200"]["content"]["application/json"]["schema"])
    assert listed == DOCUMENT["components"]["schemas"]["CvListEnvelope"]
    assert listed["properties"]["data"]["type"] == "array" and "meta" in listed["required"]
    download = DOCUMENT["paths"]["/api/payments/download/{cv_id}"]["get"]["responses"]
    assert {"200", "202", "402"} <= set(download)
    assert DOCUMENT["paths"]["/api/auth/logout"]["post"]["responses"]["204"] == {"description": "No Content"}
    headers = [p["name"] for p in DOCUMENT["paths"]["/api/payments/initiate"]["post"]["parameters"]]
    assert headers == ["Idempotency-Key"]
    assert DOCUMENT["components"]["securitySchemes"]["anonymousId"]["name"] == "X-Anonymous-Id"


# ---------------------------------------------------------------- true to the code
@pytest.mark.parametrize("path, method, op", OPERATIONS, ids=[op["x-function"] for _, _, op in OPERATIONS])
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
    # Webhooks share verify's spacing of Selcom status checks (docs/pricing.md): as if the
    # webhook came a while after that verify.
    from chapchap.data import payments as pay_data
    from chapchap.data import table
    table.update(*pay_data.payment_key(reference), "SET last_checked_at = :old", old="2000-01-01T00:00:00.000Z")
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


# ---------------------------------------------------------------- the admin routes
PAGE = {"limit", "cursor"}
LIST_DATES = {"from", "to", "order"}
# What each admin route's parser reads from the query string (chapchap/admin_*.py, periods.py).
ADMIN_QUERY = {
    "AdminListUsersFunction": PAGE | LIST_DATES | {"sort", "role", "status", "q"},
    "AdminListUserCvsFunction": PAGE | {"order"},
    "AdminListCvsFunction": PAGE | LIST_DATES | {"sort", "template_id", "is_paid"},
    "AdminListAuditFunction": PAGE | LIST_DATES | {"actor_id", "entity"},
    "AdminListPaymentsFunction": PAGE | LIST_DATES | {"status", "sort", "flagged", "q"},
    "AdminListTemplatesFunction": PAGE,
    "AdminAnalyticsFunction": {"period", "from", "to"},
    "AdminFunnelFunction": {"from", "to"},
    "AdminPaymentsReportFunction": {"from", "to", "format"},
}
ADMIN_OPERATIONS = [(path, method, op) for path, method, op in OPERATIONS if path.startswith("/api/admin/")]


def test_the_admin_query_sets_are_the_parsers_own():
    from chapchap.admin import payments as admin_payments

    documented = {p["name"] for p in operation("GET", "/api/admin/payments")["parameters"]}
    assert documented == set(admin_payments.QUERY_PARAMETERS)


@pytest.mark.parametrize("path, method, op", ADMIN_OPERATIONS, ids=[op["x-function"] for _, _, op in ADMIN_OPERATIONS])
def test_every_admin_route_documents_its_data_and_query(path, method, op):
    query = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
    assert query == ADMIN_QUERY.get(op["x-function"], set())
    for status, response in op["responses"].items():
        if int(status) < 300 and status != "204":
            data = resolve(response["content"]["application/json"]["schema"])["properties"]["data"]
            assert data and data.get("items", data) != {}, f"{op['operationId']} {status}: no data schema"
    assert "503" in op["responses"]
    if query - PAGE:
        assert "BAD_QUERY" in op["responses"]["400"]["x-error-codes"]


def test_every_operation_may_be_busy():
    for _, _, op in OPERATIONS:
        busy = op["responses"]["503"]
        if op["x-function"] == "HealthFunction":  # catches every table error: UNAVAILABLE, no Retry-After
            assert busy["x-error-codes"] == ["UNAVAILABLE"] and "headers" not in busy
            continue
        assert busy["x-error-codes"] == ["SERVICE_BUSY"] and "Retry-After" in busy["headers"]


def _values(schema: dict) -> list[str]:
    """Values the schema accepts, one of each kind the parser distinguishes."""
    if "enum" in schema:
        return list(schema["enum"])
    if schema.get("format") == "date":
        return [str(clock_today())]
    return {"q": ["amina"], "template_id": ["classic-navy"], "actor_id": ["a1b2-c3"], "entity": ["user"],
            "cursor": [], "limit": ["1", "100"]}.get(schema.get("x-name"), [])


def clock_today():
    from chapchap import clock

    return clock.business_date()


def test_admin_query_parameters_are_what_the_parsers_accept(aws, catalog):
    """Each value the document allows is accepted, each it refuses is a 400 BAD_QUERY; so is a
    name it does not list."""
    api = CheckedApi()
    token = admin_token(api)
    refused = {"date": ["2026-13-01", "yesterday", "1999-12-31", "9999-12-31", "0001-01-01", ""],
               "enum": ["", "nope"], "limit": ["0", "101", "²", "1.5"]}
    for path, method, op in ADMIN_OPERATIONS:
        if method != "get" or "{" in path:
            continue
        params = [p for p in op.get("parameters", []) if p["in"] == "query" and p["name"] != "cursor"]
        for param in params:
            schema = dict(param["schema"], **{"x-name": param["name"]})
            for value in _values(schema):
                reply = api.get(path, token=token, query=f"{param['name']}={value}")
                assert reply.status == 200, (path, param["name"], value, reply.body)
            bad = (refused["date"] if schema.get("format") == "date" else refused["enum"] if "enum" in schema
                   else refused["limit"] if param["name"] == "limit" else [])
            for value in bad:
                reply = api.get(path, token=token, query=f"{param['name']}={quote(value)}")
                assert reply.status == 400 and reply.error["code"] == "BAD_QUERY", (path, param["name"], value)
        if ADMIN_QUERY.get(op["x-function"], PAGE) - PAGE:
            reply = api.get(path, token=token, query="state=completed")
            assert reply.status == 400 and reply.error["code"] == "BAD_QUERY", path


def test_every_admin_route_answers_what_the_document_says(aws, catalog, selcom_sim):
    """Every admin operation's success, through the real handlers, fits its documented schema."""
    api = CheckedApi()
    token = admin_token(api)
    amina = register(api, "amina@example.com")
    cv = new_cv(api, amina["access_token"])
    paid = pay(api, selcom_sim, amina["access_token"], cv["id"])
    other = new_cv(api, amina["access_token"], template_id="modern-ocean")
    user_id = amina["user"]["id"]

    assert api.get("/api/admin/stats", token=token).status == 200
    assert api.get("/api/admin/users", token=token, query="role=user&sort=last_login").status == 200
    assert api.get("/api/admin/users", token=token, query="q=ami").status == 200
    made = api.post("/api/admin/users", json={"full_name": "Baraka Mushi", "email": "baraka@example.com",
                                              "password": PASSWORD}, token=token)
    assert made.status == 201
    assert api.get(f"/api/admin/users/{user_id}", token=token).status == 200
    assert api.put(f"/api/admin/users/{user_id}", json={"full_name": "Amina J."}, token=token).status == 200
    assert api.get(f"/api/admin/users/{user_id}/cvs", token=token).status == 200
    assert api.get("/api/admin/cvs", token=token, query="is_paid=true&sort=template").status == 200
    assert api.get(f"/api/admin/cvs/{cv['id']}", token=token).status == 200
    assert api.put(f"/api/admin/cvs/{other['id']}", json={"is_paid": True, "reason": "paid in cash"},
                   token=token).status == 200
    assert api.delete(f"/api/admin/cvs/{other['id']}", token=token).status == 204
    assert api.get(f"/api/admin/cvs/{other['id']}", token=token).status == 200  # deleted_at set
    assert api.post(f"/api/admin/cvs/{other['id']}/restore", token=token).status == 200
    assert api.delete(f"/api/admin/users/{made.data['user']['id']}", token=token).status == 204

    assert api.get("/api/admin/templates", token=token).status == 200
    assert api.get("/api/admin/templates/stats", token=token).status == 200
    created = api.post("/api/admin/templates", json={"name": "Kilimanjaro", "layout": "classic"}, token=token)
    assert created.status == 201
    template_id = created.data["template"]["id"]
    assert api.put(f"/api/admin/templates/{template_id}", json={"price": 7000}, token=token).status == 200
    assert api.put(f"/api/admin/templates/{template_id}/status", json={"is_active": False},
                   token=token).status == 200
    assert api.delete("/api/admin/templates/classic-navy", token=token).status == 409  # in use
    assert api.delete(f"/api/admin/templates/{template_id}", token=token).status == 204

    for query in ("", "sort=amount", "status=completed&flagged=false&order=asc", "flagged=true"):
        assert api.get("/api/admin/payments", token=token, query=query).status == 200
    reference = api.get("/api/admin/payments", token=token, query="q=amina@example.com").data[0]["reference"]
    assert api.get(f"/api/admin/payments/{reference}", token=token).status == 200
    assert api.post(f"/api/admin/payments/{reference}/recheck", token=token).status == 200
    assert api.post(f"/api/admin/payments/{paid['reference']}/resolve", token=token,
                    json={"action": "refunded", "reason": "goodwill", "refund_reference": "R-1"}).status == 200
    for period in ("daily", "weekly", "monthly"):
        assert api.get("/api/admin/analytics", token=token, query=f"period={period}").status == 200
    for fmt in ("csv", "pdf"):
        assert api.get("/api/admin/reports/payments", token=token, query=f"format={fmt}").status == 200
    assert api.get("/api/admin/funnel", token=token).status == 200
    assert api.get(f"/api/admin/cvs/{cv['id']}/pdf", token=token).status == 202  # not rendered yet
    assert api.get("/api/admin/users", token=token, query="q=0754321987").status == 200
    assert api.get("/api/admin/settings", token=token).status == 200
    assert api.put("/api/admin/settings", json={"default_price": 6000, "openai_api_key": "sk-test-0123456789"},
                   token=token).status == 200
    assert api.get("/api/admin/audit", token=token).status == 200
    assert api.get("/api/admin/audit", token=token, query="entity=template").status == 200

    covered = {op for op, status in api.seen if status < 300}
    missing = {op["x-function"] for _, _, op in ADMIN_OPERATIONS} - covered
    assert not missing, f"not exercised: {sorted(missing)}"
