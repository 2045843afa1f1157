"""The PDF function through its real handler: renders into S3 once per content version."""
from __future__ import annotations

import io
import json
import uuid

import boto3
import pytest
from pypdf import PdfReader

from tests.support.apigw import invoke

pytestmark = pytest.mark.usefixtures("catalog")

NAMES = ["Ngũgĩ wa Thiong'o", "Zoë Ørsted-Müller", "Đặng Thị Hương"]


def sqs_event(*messages, receive_count=1):
    return {"Records": [{
        "messageId": str(uuid.uuid4()), "receiptHandle": "handle", "body": body if isinstance(body, str) else json.dumps(body),
        "attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "1795253446000"},
        "messageAttributes": {}, "md5OfBody": "x", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:af-south-1:123456789012:test-PdfQueue", "awsRegion": "af-south-1"}
        for body in messages]}


def make_cv(api, content, template_id="modern-ocean"):
    reply = api.post("/api/cvs", json={"template_id": template_id, "content": content},
                     headers={"x-anonymous-id": str(uuid.uuid4())})
    assert reply.status == 201, reply.body
    return reply.data["cv"]


def stored(cv_id):
    from chapchap.data import cvs
    return cvs.get(cv_id)


def pdf_text(key):
    body = boto3.client("s3").get_object(Bucket=_bucket(), Key=key)["Body"].read()
    assert body.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def _bucket():
    import os
    return os.environ["BUCKET_NAME"]


def unicode_content():
    return json.loads(open("tests/fixtures/cvs/unicode.json", encoding="utf-8").read())


def test_renders_into_the_bucket_with_every_section_and_name(api):
    content = unicode_content()
    cv = make_cv(api, content)
    result = invoke("PdfFunction", sqs_event({"cv_id": cv["id"], "version": 1}))
    assert result == {"batchItemFailures": []}
    item = stored(cv["id"])
    assert item["pdf_status"] == "ready" and item["pdf_version"] == 1
    assert item["pdf_key"] == f"pdfs/anon/{item['anonymous_id']}/{cv['id']}/v1.pdf"
    import unicodedata
    text = unicodedata.normalize("NFC", pdf_text(item["pdf_key"]))
    for name in NAMES:
        assert name in text
    for title in ("Experience", "Education", "Skills", "Languages", "Projects", "Certificates", "Awards",
                  "Volunteering", "Publications", "Interests", "References"):
        assert title in text


def test_duplicate_message_renders_nothing_new(api, monkeypatch):
    cv = make_cv(api, {"basics": {"name": "Amina Juma"}})
    invoke("PdfFunction", sqs_event({"cv_id": cv["id"], "version": 1}))
    from chapchap import storage
    puts = []
    monkeypatch.setattr(storage, "put", lambda *a, **k: puts.append(a))
    result = invoke("PdfFunction", sqs_event({"cv_id": cv["id"], "version": 1}, {"cv_id": cv["id"], "version": 1}))
    assert result == {"batchItemFailures": []} and puts == []


def test_stale_version_is_skipped(api):
    owner = {"x-anonymous-id": str(uuid.uuid4())}
    cv = api.post("/api/cvs", json={"template_id": "classic-navy", "content": {}}, headers=owner).data["cv"]
    api.put(f"/api/cvs/{cv['id']}", json={"title": "v2"}, headers=owner)
    result = invoke("PdfFunction", sqs_event({"cv_id": cv["id"], "version": 1}))
    assert result == {"batchItemFailures": []}
    assert stored(cv["id"])["pdf_status"] == "none"


def test_failures_are_reported_per_message_and_marked_failed_on_the_last_attempt(api, monkeypatch):
    good = make_cv(api, {"basics": {"name": "Good"}})
    bad = make_cv(api, {"basics": {"name": "Bad"}})
    from chapchap.pdf import worker as pdf_worker
    real_render = pdf_worker._render

    def flaky(cv, version):
        if cv["id"] == bad["id"]:
            raise RuntimeError("disk full")
        return real_render(cv, version)

    monkeypatch.setattr(pdf_worker, "_render", flaky)
    event = sqs_event({"cv_id": good["id"], "version": 1}, {"cv_id": bad["id"], "version": 1})
    result = invoke("PdfFunction", event)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert stored(good["id"])["pdf_status"] == "ready"
    assert stored(bad["id"])["pdf_status"] == "none"  # will be retried
    invoke("PdfFunction", sqs_event({"cv_id": bad["id"], "version": 1}, receive_count=3))
    assert stored(bad["id"])["pdf_status"] == "failed"


@pytest.mark.parametrize("body", ["not json", json.dumps({"cv_id": 5}), json.dumps({"version": "x"})])
def test_poison_messages_fail_without_crashing_the_batch(body):
    event = sqs_event(body)
    result = invoke("PdfFunction", event)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}


def test_deleted_or_unknown_cv_is_acknowledged(api):
    result = invoke("PdfFunction", sqs_event({"cv_id": str(uuid.uuid4()), "version": 1}))
    assert result == {"batchItemFailures": []}


def test_photo_from_the_owners_upload_is_used_and_a_missing_one_is_not_fatal(api):
    from PIL import Image
    owner = {"x-anonymous-id": str(uuid.uuid4())}
    presigned = api.post("/api/uploads/presigned-url", json={"purpose": "cv_photo", "content_type": "image/png",
                                                             "size": 100}, headers=owner).data
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (200, 80, 40)).save(buffer, format="PNG")
    boto3.client("s3").put_object(Bucket=_bucket(), Key=presigned["key"], Body=buffer.getvalue())
    with_photo = api.post("/api/cvs", json={"template_id": "modern-ocean", "content": {"basics": {"name": "P", "image": presigned["key"]}}},
                          headers=owner).data["cv"]
    missing = api.post("/api/cvs", json={"template_id": "modern-ocean", "content": {"basics": {"name": "Q", "image": presigned["key"] + "x"}}},
                       headers=owner).data["cv"]
    result = invoke("PdfFunction", sqs_event({"cv_id": with_photo["id"], "version": 1}, {"cv_id": missing["id"], "version": 1}))
    assert result == {"batchItemFailures": []}
    key = stored(with_photo["id"])["pdf_key"]
    body = boto3.client("s3").get_object(Bucket=_bucket(), Key=key)["Body"].read()
    assert any("/Image" in str(page.get("/Resources", {}).get("/XObject", {}).values()) or page.images
               for page in PdfReader(io.BytesIO(body)).pages)
    assert stored(missing["id"])["pdf_status"] == "ready"
