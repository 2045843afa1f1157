"""Least privilege, proven: every function's role (template.yaml as SAM expands it) allows
each AWS call its handler makes, and nothing it never makes.

One module-scoped drive runs every function the way it runs in AWS: each invocation starts
from a cold container (no cached client, secret or Selcom client, see `_cold_container`),
and the secrets come from SSM Parameter Store rather than the environment, so the reads of
the JWT key and the Selcom keys happen where they would. The drive covers every sample
event of events/ plus the paths a sample does not reach (a photo in a PDF, the ready
download, the render a download or an edit of a paid CV queues, a preview of a CV with a photo,
a template thumbnail rendered and listed, a resume check with each model provider's key, a webhook, a verify and a
reconciliation that find a payment paid, both report formats, every secret written by the
settings). tests/support/iam.py records the calls and compares them with the roles;
docs/permissions.md says how to read a failure.
"""
from __future__ import annotations

import json
import os
import uuid

import pytest

from tests.support import iam
from tests.support.events import (EVENT_FILES, TEMPLATE, deleted_cv, fill, function_for, new_cv, paid_reference,
                                  sample_context)
from tests.support.world import REGION

# Environment variables that hold secrets in the tests and the local stack; in AWS each is
# the parameter <SECRETS_PATH>/<name> (secretstore.get_secret, settings_store).
SECRETS = {"JWT_SECRET": "jwt-secret", "SELCOM_API_KEY": "selcom-api-key", "SELCOM_API_SECRET": "selcom-api-secret",
           "SELCOM_VENDOR": "selcom-vendor", "SELCOM_WEBHOOK_SECRET": "selcom-webhook-secret",
           "AFRICASTALKING_API_KEY": "africastalking-api-key"}

# (function, service) -> why a grant is kept that no test can exercise. Keep it short: each
# entry is a permission nothing here proves is needed.
ALLOWANCES: dict[tuple[str, str], str] = {}


def _cold_container() -> None:
    """What a new Lambda container starts without: the secrets Powertools caches for five
    minutes, the Selcom client (it holds the keys), the settings. Without this, a function
    would use what another one read in this process, and its own reads would go unseen.
    Boto3 clients may stay: the recorder sees calls through any client."""
    from aws_lambda_powertools.utilities.parameters import base
    from chapchap.payments import selcom
    from chapchap.admin import settings as settings_store
    from chapchap.messages import sms
    from chapchap.settings import settings

    sms.reset_provider()
    for provider in base.DEFAULT_PROVIDERS.values():  # the values, not the providers: a new
        provider.clear_cache()                        # provider costs a boto3 session
    settings.cache_clear()
    settings_store.reset_cache()
    selcom.reset_client()


def _sqs_event(cv_id: str, version: int) -> dict:
    return _sqs_event_body(json.dumps({"cv_id": cv_id, "version": version}))


def _sqs_event_body(body: str) -> dict:
    return {"Records": [{"messageId": str(uuid.uuid4()), "receiptHandle": "handle", "body": body,
                         "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                         "eventSource": "aws:sqs", "awsRegion": REGION,
                         "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:test-PdfQueue"}]}


def _render(invoke, cv_id: str) -> None:
    """The PDF function on the CV's current version, as the queue would deliver it."""
    from chapchap.data import cvs as cv_data

    version = cv_data.get(cv_id, consistent=True)["content_version"]
    result = invoke("PdfFunction", _sqs_event(cv_id, version))
    assert not (result or {}).get("batchItemFailures"), result


# Events that take away what later ones use, in the order they can run.
DESTRUCTIVE = ("cvs/delete", "admin/delete_cv", "admin/templates_delete", "user/change_password", "auth/logout",
               "auth/password_reset", "admin/update_user",
               "admin/delete_user")


def _destructive_last(path) -> tuple:
    name = f"{path.parent.name}/{path.stem}"
    return (DESTRUCTIVE.index(name) if name in DESTRUCTIVE else -1, str(path))


def _drive(api, invoke, selcom_sim, tokens: dict) -> None:
    from chapchap import storage
    from chapchap.data import cvs as cv_data
    from chapchap.data import table

    token, admin = tokens["access_token"], tokens["admin_token"]

    # A photo: presigned POST (PutObject under photos/), then the renderer reads it.
    upload = api.post("/api/uploads/presigned-url", json={"purpose": "cv_photo", "content_type": "image/png",
                                                          "size": 1000}, token=token)
    assert upload.status == 200, upload.body
    storage.client().put_object(Bucket=storage.bucket(), Key=upload.data["key"], Body=b"not really a png")
    photo_cv = new_cv(api, token)
    reply = api.put(f"/api/cvs/{photo_cv}", json={"content": {"basics": {"name": "Amina", "image": upload.data["key"]}}},
                    token=token)
    assert reply.status == 200, reply.body
    _render(invoke, photo_cv)
    # Its preview reads the photo too (and writes and presigns its pages under previews/).
    reply = api.get(f"/api/cvs/{photo_cv}/preview", token=token)
    assert reply.status == 200, reply.body

    # A template's thumbnail: queued by the admin's create, rendered by the PDF function
    # (PutObject under thumbnails/), presigned by the public list.
    from chapchap.pdf import looks
    from chapchap.templates import thumbnails
    from chapchap.data import templates
    reply = api.post("/api/admin/templates", token=admin, json={
        "id": "permissions-look", "name": "Permissions Look", "layout": "compact", "theme": {}})
    assert reply.status == 201, reply.body
    job = {"kind": thumbnails.JOB_KIND, "template_id": "permissions-look",
           "look": looks.look_hash(templates.get("permissions-look"))}
    result = invoke("PdfFunction", _sqs_event_body(json.dumps(job)))
    assert not (result or {}).get("batchItemFailures"), result
    reply = api.get("/api/templates")
    assert any((t["thumbnail_url"] or "").split("?")[0].endswith(".png") for t in reply.data), reply.body

    # The paid CV rendered, then downloaded: a presigned GET under pdfs/.
    paid_cv = tokens["paid_cv_id"]
    _render(invoke, paid_cv)
    reply = api.get(f"/api/payments/download/{paid_cv}", token=token)
    assert reply.status == 200, reply.body
    # The admin's link to the same PDF (signed the same way, counting nothing).
    reply = api.get(f"/api/admin/cvs/{paid_cv}/pdf", token=admin)
    assert reply.status == 200, reply.body
    # Its share link: QR codes written and presigned under shares/; opened by anyone (the PDF
    # copied from pdfs/ to public/, that copy presigned); revoked (both kinds deleted).
    reply = api.post(f"/api/cvs/{paid_cv}/share", token=token)
    assert reply.status == 201, reply.body
    reply = api.get(f"/api/public/cvs/{reply.data['share']['slug']}")
    assert reply.status == 200, reply.body
    assert api.delete(f"/api/cvs/{paid_cv}/share", token=token).status == 204
    # An edit of a paid CV queues its render (the user's route and the admin's).
    reply = api.put(f"/api/cvs/{paid_cv}", json={"title": "Amina, paid"}, token=token)
    assert reply.status == 200, reply.body
    reply = api.put(f"/api/admin/cvs/{paid_cv}", json={"title": "Amina, paid (admin)"}, token=admin)
    assert reply.status == 200, reply.body
    # A render that seems stuck: the download asks for it again (SendMessage).
    table.update(*cv_data.cv_key(paid_cv), "SET render_requested_at = :long_ago", long_ago="2020-01-01T00:00:00Z")
    reply = api.get(f"/api/payments/download/{paid_cv}", token=token)
    assert reply.status == 202, reply.body

    # Paid at Selcom, the webhook lost: verify finds it (and queues the render) ...
    verify_cv = new_cv(api, token)
    reference = paid_reference(api, selcom_sim, token, verify_cv, deliver=False)
    reply = api.get(f"/api/payments/verify/{reference}", token=token)
    assert reply.status == 200 and reply.data["payment"]["status"] == "completed", reply.body
    # Its share link opened before any PDF exists, the render seemingly stuck: asked for again.
    table.update(*cv_data.cv_key(verify_cv), "SET render_requested_at = :long_ago", long_ago="2020-01-01T00:00:00Z")
    reply = api.post(f"/api/cvs/{verify_cv}/share", token=token)
    assert reply.status == 201, reply.body
    assert api.get(f"/api/public/cvs/{reply.data['share']['slug']}").status == 202
    # ... and so does reconciliation, for a payment nobody verified.
    reconcile_cv = new_cv(api, token)
    paid_reference(api, selcom_sim, token, reconcile_cv, deliver=False)
    summary = invoke("ReconcilePaymentsFunction", {"min_age_seconds": 0})
    assert summary["completed"] >= 1, summary
    # ... and so does an admin's recheck (completion: the render and the payer's messages).
    recheck_cv = new_cv(api, token)
    reference = paid_reference(api, selcom_sim, token, recheck_cv, deliver=False)
    reply = api.post(f"/api/admin/payments/{reference}/recheck", token=admin)
    assert reply.status == 200 and reply.data["payment"]["status"] == "completed", reply.body
    # A payment initiated with an Idempotency-Key (Powertools' record in the table).
    reply = api.post("/api/payments/initiate", json={"cv_id": new_cv(api, token), "method": "card"}, token=token,
                     headers={"idempotency-key": "permissions-test"})
    assert reply.status == 201, reply.body

    # Reports in both formats (reports/ in the bucket, a presigned GET).
    for fmt in ("csv", "pdf"):
        reply = api.get("/api/admin/reports/payments", query=f"format={fmt}", token=admin)
        assert reply.status == 200, reply.body

    # A resume check without a model (the settings read, no key), then with each provider's key
    # from Parameter Store and a fake model on loopback; the provider is put back to none after.
    _check_resumes(api, invoke, token, admin)

    # Every sample event, as test_events runs them; those that delete, suspend or sign out last.
    for path in sorted(EVENT_FILES, key=_destructive_last):
        fn = function_for(path)
        text = path.read_text()
        # A CV of its own for each event (one marks its CV paid, others delete theirs).
        context = {**tokens, "cv_id": new_cv(api, token)} if "REPLACE_WITH_CV_ID" in text else tokens
        if "REPLACE_WITH_DELETED_CV_ID" in text:  # each restore brings back a CV of its own
            context = {**context, "deleted_cv_id": deleted_cv(api, token)}
        result = invoke(fn.logical_id, fill(text, context))
        if fn.events_of("HttpApi"):
            assert result["statusCode"] < 400, (fn.logical_id, result.get("body"))

    # The bootstrap with the operator's password parameter (the sample event generates one), on a
    # table without the admins counter (a new deployment): it counts the admins once (Query).
    import boto3

    from chapchap.data import users
    table.client().delete_item(TableName=table.table_name(),
                               Key={"pk": {"S": users.ADMINS_KEY[0]}, "sk": {"S": users.ADMINS_KEY[1]}})
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=f"{os.environ['SECRETS_PATH']}/bootstrap-admin-password", Value="Operator-Chosen-Passphrase-2026",
        Type="SecureString")
    result = invoke("BootstrapFunction", {"admin_email": "second-owner@example.com", "admin_name": "Second Owner",
                                          "password": "parameter"})
    assert result["admin"]["created"] is True, result

    # The messages the payments and the reset above queued: emails by SES, SMS by Africa's
    # Talking (its key from Parameter Store), and one SMS by SNS.
    records = _notify_records()
    sms_records = [r for r in records if json.loads(r["body"])["channel"] == "sms"]
    assert len(records) >= 4 and sms_records, records
    result = invoke("SendMessagesFunction", {"Records": [r for r in records if r is not sms_records[0]]})
    assert result == {"batchItemFailures": []}, result
    os.environ["SMS_PROVIDER"] = "sns"
    try:
        result = invoke("SendMessagesFunction", {"Records": sms_records[:1]})
    finally:
        os.environ["SMS_PROVIDER"] = "africastalking"
    assert result == {"batchItemFailures": []}, result

    # Last, as it replaces the Selcom keys the simulator checks: every secret the settings keep.
    reply = api.put("/api/admin/settings", token=admin, json={
        "selcom_api_key": "new-selcom-api-key-0001", "selcom_api_secret": "new-selcom-api-secret-0001",
        "selcom_vendor": "TILL60002", "selcom_webhook_secret": "new-selcom-webhook-secret-0001",
        "openai_api_key": "sk-new-openai-key-000001", "anthropic_api_key": "sk-ant-new-key-000001"})
    assert reply.status == 200, reply.body


def _check_resumes(api, invoke, token: str, admin: str) -> None:
    import boto3

    from local.ai_sim import start as start_model

    model = start_model(api_key="sk-permissions-model-key")
    queue_url = os.environ["ANALYSIS_QUEUE_URL"]
    sqs = boto3.client("sqs", region_name=REGION)
    try:
        for settings in (None, {"ai_provider": "openai", "openai_api_key": "sk-permissions-model-key"},
                         {"ai_provider": "anthropic", "anthropic_api_key": "sk-permissions-model-key"}):
            if settings:
                reply = api.put("/api/admin/settings", token=admin, json={**settings, "ai_base_url": model.url})
                assert reply.status == 200, reply.body
            cv_id = new_cv(api, token)
            reply = api.post(f"/api/cvs/{cv_id}/analysis", json={"job_description": "Accountant"}, token=token)
            assert reply.status == 202, reply.body
            message = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1)["Messages"][0]
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            result = invoke("AnalysisFunction", _sqs_event_body(message["Body"]))
            assert result == {"batchItemFailures": []}, result
        assert len(model.requests) == 2, model.requests
        reply = api.put("/api/admin/settings", token=admin, json={"ai_provider": "none"})
        assert reply.status == 200, reply.body
    finally:
        model.stop()


def _notify_records() -> list[dict]:
    """What waits on the notification queue, as SQS records (read outside the recorder's view
    of any function: the test reads it, not a handler)."""
    import boto3

    sqs = boto3.client("sqs", region_name=REGION)
    records = []
    while True:
        batch = sqs.receive_message(QueueUrl=os.environ["NOTIFY_QUEUE_URL"], MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return records
        for m in batch:
            records.append({"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                            "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                            "eventSource": "aws:sqs", "awsRegion": REGION,
                            "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:test-NotifyQueue"})
            sqs.delete_message(QueueUrl=os.environ["NOTIFY_QUEUE_URL"], ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture(scope="module")
def drive():
    """Run the drive once; yields (calls by function, roles by function)."""
    import boto3

    from tests.support.apigw import ApiClient, invoke
    from tests.support.world import moto_account, reset_caches, scoped_env, selcom_simulator

    with pytest.MonkeyPatch.context() as patch, scoped_env() as setenv, moto_account(setenv) as physical, \
            selcom_simulator(setenv) as selcom_sim:
        from chapchap.templates.catalog import seed_starter_templates

        seed_starter_templates()
        from local.at_sim import start as start_africastalking

        africastalking = start_africastalking(api_key="permissions-at-key")
        for name, value in africastalking.env.items():
            setenv(name, value)
        ssm = boto3.client("ssm", region_name=REGION)
        for env_name, parameter in SECRETS.items():
            ssm.put_parameter(Name=f"{os.environ['SECRETS_PATH']}/{parameter}", Value=os.environ[env_name],
                              Type="SecureString")
            setenv(env_name, "")  # empty: read from Parameter Store, as in AWS
        recorder = iam.Recorder(region=REGION)
        recorder.install(patch, before_invoke=_cold_container)
        reset_caches()  # S3 clients made from now on carry the recording presigners
        api = ApiClient()
        tokens = sample_context(api, selcom_sim)
        _drive(api, invoke, selcom_sim, tokens)
        roles = iam.role_policies(TEMPLATE, physical, REGION)
        if os.environ.get("PERMISSIONS_DUMP"):
            with open(os.environ["PERMISSIONS_DUMP"], "w") as out:
                json.dump({k: sorted(f"{r.action} {r.resource}" for r in v) for k, v in recorder.calls.items()},
                          out, indent=1)
        africastalking.stop()
        yield recorder.calls, roles


def test_least_privilege(drive):
    """One test, so that under xdist the drive runs on one worker only."""
    calls, roles = drive
    # The drive itself: every function ran, presigned URLs and secrets were seen.
    silent = sorted(set(TEMPLATE.functions) - set(calls))
    assert not silent, f"functions that made no AWS call in the drive (run them in _drive): {silent}"
    puts = [r.resource for r in calls["PresignUploadFunction"] if r.action == "s3:PutObject"]
    gets = [r.resource for r in calls["DownloadCvFunction"] if r.action == "s3:GetObject"]
    assert any("/photos/user/" in arn for arn in puts), "the presigned POST was not recorded"
    assert any("/pdfs/user/" in arn for arn in gets), "the presigned download URL was not recorded"
    assert any(r.resource.endswith("/jwt-secret") for r in calls["AuthMeFunction"]) and \
        any(r.resource.endswith("/selcom-api-key") for r in calls["PaymentCallbackFunction"]), \
        "the drive read no secret from Parameter Store: the comparison below would prove nothing"

    found = iam.problems(roles, calls, ALLOWANCES)
    assert not found, "Policies in template.yaml differ from what the functions do " \
                      "(see docs/permissions.md):\n  " + "\n  ".join(found)


def test_allowances_name_real_functions():
    stale = [key for key in ALLOWANCES if key[0] not in TEMPLATE.functions]
    assert not stale, f"ALLOWANCES names functions template.yaml no longer has: {stale}"


# ---------------------------------------------------------------- the checker itself
def _role(statements: list[dict], managed: list[str] | None = None) -> iam.Role:
    full = [{"Effect": "Allow", **s} for s in statements]
    return iam.Role("Fn", full, managed or ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"])


JWT = iam.Request("ssm:GetParameter", "arn:aws:ssm:af-south-1:123456789012:parameter/app/dev/jwt-secret")
JWT_STATEMENT = {"Action": ["ssm:GetParameter"], "Resource": [JWT.resource]}


def test_checker_accepts_exactly_what_is_used():
    assert iam.problems({"Fn": _role([JWT_STATEMENT])}, {"Fn": {JWT}}) == []


def test_checker_refuses_a_call_the_role_does_not_allow():
    other = iam.Request("ssm:GetParameter", "arn:aws:ssm:af-south-1:123456789012:parameter/app/dev/selcom-api-key")
    found = iam.problems({"Fn": _role([JWT_STATEMENT])}, {"Fn": {JWT, other}})
    assert found == [f"Fn calls ssm:GetParameter on {other.resource}, which its Policies do not allow"]


def test_checker_refuses_a_service_never_called():
    s3 = {"Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["arn:aws:s3:::bucket/*"]}
    found = iam.problems({"Fn": _role([JWT_STATEMENT, s3])}, {"Fn": {JWT}})
    assert "Fn may use s3 but never calls it" in found


def test_checker_refuses_a_wider_parameter_path_or_prefix_than_used():
    every_secret = {"Action": ["ssm:GetParameter"], "Resource": ["arn:aws:ssm:af-south-1:123456789012:parameter/app/dev/*"]}
    found = iam.problems({"Fn": _role([every_secret])}, {"Fn": {JWT}})  # covers what is used, but too much
    assert len(found) == 1 and "name each parameter" in found[0], found
    unused = {"Action": ["ssm:GetParameter"],
              "Resource": [JWT.resource, "arn:aws:ssm:af-south-1:123456789012:parameter/app/dev/selcom-api-key"]}
    found = iam.problems({"Fn": _role([unused])}, {"Fn": {JWT}})  # a name never read
    assert found == [("Fn may use arn:aws:ssm:af-south-1:123456789012:parameter/app/dev/selcom-api-key "
                     "(ssm:GetParameter) but never does")]
    read = iam.Request("s3:GetObject", "arn:aws:s3:::bucket/photos/user/1/a.png")
    write_too = {"Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["arn:aws:s3:::bucket/photos/*"]}
    assert iam.problems({"Fn": _role([write_too])}, {"Fn": {read}}) == [
        "Fn may s3:PutObject on arn:aws:s3:::bucket/photos/* but never does"]
    whole_bucket = {"Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::bucket/*"]}
    found = iam.problems({"Fn": _role([whole_bucket])}, {"Fn": {read}})
    assert len(found) == 1 and "the whole bucket" in found[0], found


def test_checker_refuses_table_writes_to_a_reader():
    table = "arn:aws:dynamodb:af-south-1:123456789012:table/t"
    crud = {"Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": [table]}
    found = iam.problems({"Fn": _role([crud])}, {"Fn": {iam.Request("dynamodb:GetItem", table)}})
    assert found == ["Fn may write the table (dynamodb:putitem) but only reads: give it DynamoDBReadPolicy"]


def test_checker_ignores_what_sam_adds_for_lambda_itself():
    dead_letters = {"Action": ["sqs:SendMessage"], "Resource": ["arn:aws:sqs:af-south-1:123456789012:dlq"],
                    "Lambda": True}
    assert iam.problems({"Fn": _role([JWT_STATEMENT, dead_letters])}, {"Fn": {JWT}}) == []


def test_checker_refuses_unknown_managed_policies():
    role = _role([JWT_STATEMENT], managed=["arn:aws:iam::aws:policy/AmazonS3FullAccess"])
    found = iam.problems({"Fn": role}, {"Fn": {JWT}})
    assert len(found) == 1 and "AmazonS3FullAccess" in found[0]


def test_transactions_are_authorised_item_by_item():
    requests = iam.requests_of("dynamodb", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "t", "Item": {}}}, {"ConditionCheck": {"TableName": "t", "Key": {}}}]}, REGION)
    assert [r.action for r in requests] == ["dynamodb:PutItem", "dynamodb:ConditionCheckItem"]
    query = iam.requests_of("dynamodb", "Query", {"TableName": "t", "IndexName": "gsi1"}, REGION)
    assert query[0].resource.endswith(":table/t/index/gsi1")


def test_inline_policies_fit_iam_limit():
    """IAM refuses a role whose inline policies exceed 10,240 characters (whitespace not
    counted): one line per parameter must not grow a role past it. Long names, as
    CloudFormation makes them, so the estimate errs high."""
    physical = {
        "Table": {"Ref": "cvchapchap-staging-Table-ABCDEFGHIJKLMN",
                  "Arn": "arn:aws:dynamodb:af-south-1:123456789012:table/cvchapchap-staging-Table-ABCDEFGHIJKLMN"},
        "Bucket": {"Ref": "cvchapchap-staging-bucket-abcdefghijklmn",
                   "Arn": "arn:aws:s3:::cvchapchap-staging-bucket-abcdefghijklmn"},
        "PdfQueue": {"Ref": "https://sqs.af-south-1.amazonaws.com/123456789012/cvchapchap-staging-PdfQueue-ABCDEFGHIJKLMN",
                     "Arn": "arn:aws:sqs:af-south-1:123456789012:cvchapchap-staging-PdfQueue-ABCDEFGHIJKLMN",
                     "QueueName": "cvchapchap-staging-PdfQueue-ABCDEFGHIJKLMN"},
    }
    resolver = iam.FakeResolver(TEMPLATE, physical, REGION)
    cfn = iam.transformed(TEMPLATE, REGION)
    too_big = {}
    for logical_id, resource in cfn["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        size = sum(len(json.dumps(resolver.resolve(p["PolicyDocument"]), separators=(",", ":")))
                   for p in resource["Properties"].get("Policies") or [])
        if size > 10_240:
            too_big[logical_id] = size
    assert not too_big, f"roles over IAM's inline policy limit (merge statements): {too_big}"
