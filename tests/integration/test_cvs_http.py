"""The visitor's path over HTTP: an anonymous CV, the hand-over, the PDF from the queue."""
from __future__ import annotations

import io
import json
import time
import unicodedata
import uuid
from pathlib import Path

from pypdf import PdfReader

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cvs"
SECTIONS = ("Summary", "Experience", "Education", "Skills", "Languages", "Projects", "Certificates", "Awards",
            "Volunteering", "Publications", "Interests", "References")
NAMES = ("Ngũgĩ wa Thiong'o", "Zoë Ørsted-Müller", "Đặng Thị Hương")


def test_templates_are_seeded(stack):
    templates = stack.get("/api/templates").json()["data"]
    assert {"classic", "modern", "compact"} <= {t["layout"] for t in templates}
    assert all(t["price"]["currency"] == "TZS" and isinstance(t["price"]["amount"], int) for t in templates)


def test_anonymous_cv_moves_to_the_account_at_register(stack):
    r = stack.post("/api/cvs", json={"template_id": "modern-ocean", "content": {"basics": {"name": "Neema"}}})
    assert r.status_code == 201
    anonymous_id = r.json()["data"]["anonymous_id"]
    cv_id = r.json()["data"]["cv"]["id"]
    mine = {"x-anonymous-id": anonymous_id}
    r = stack.put(f"/api/cvs/{cv_id}", json={"content": {"basics": {"name": "Neema Kweka", "label": "Nurse"}}},
                  headers=mine)
    assert r.status_code == 200 and r.json()["data"]["cv"]["content_version"] == 2
    stranger = {"x-anonymous-id": str(uuid.uuid4())}
    assert stack.get(f"/api/cvs/{cv_id}", headers=stranger).status_code == 404

    r = stack.post("/api/auth/register", json={"full_name": "Neema Kweka", "email": f"{uuid.uuid4().hex[:8]}@example.com",
                                               "password": "correct horse battery", "anonymous_id": anonymous_id})
    token = r.json()["data"]["access_token"]
    listed = stack.get("/api/cvs", headers={"authorization": f"Bearer {token}"}).json()["data"]
    assert [c["id"] for c in listed] == [cv_id]
    assert listed[0]["content"]["basics"]["name"] == "Neema Kweka"
    assert stack.get(f"/api/cvs/{cv_id}", headers=mine).status_code == 404


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_a_queued_render_lands_in_the_bucket(stack):
    content = json.loads((FIXTURES / "unicode.json").read_text(encoding="utf-8"))
    r = stack.post("/api/cvs", json={"template_id": "classic-navy", "content": content})
    cv = r.json()["data"]["cv"]
    sqs, s3, ddb = stack.boto3_client("sqs"), stack.boto3_client("s3"), stack.boto3_client("dynamodb")
    resources = stack.info()["resources"]
    sqs.send_message(QueueUrl=resources["PdfQueue"]["Ref"], MessageBody=json.dumps({"cv_id": cv["id"], "version": 1}))
    table = resources["Table"]["Ref"]

    def rendered():
        item = ddb.get_item(TableName=table, Key={"pk": {"S": f"CV#{cv['id']}"}, "sk": {"S": "CV"}})["Item"]
        return item if item["pdf_status"]["S"] == "ready" else None

    item = _wait_for(rendered)
    pdf = s3.get_object(Bucket=resources["Bucket"]["Ref"], Key=item["pdf_key"]["S"])["Body"].read()
    text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    for needle in NAMES + SECTIONS:
        assert needle in text, needle


def test_a_poison_message_reaches_the_dead_letter_queue(stack):
    sqs = stack.boto3_client("sqs")
    resources = stack.info()["resources"]
    sqs.send_message(QueueUrl=resources["PdfQueue"]["Ref"], MessageBody="this is not a render request")

    def in_dlq():
        got = sqs.receive_message(QueueUrl=resources["PdfDeadLetterQueue"]["Ref"], MaxNumberOfMessages=10,
                                  WaitTimeSeconds=1).get("Messages", [])
        return [m for m in got if m["Body"] == "this is not a render request"]

    assert _wait_for(in_dlq, timeout=60)


def test_photo_upload_through_the_presigned_post_reaches_the_pdf(stack):
    from PIL import Image
    import requests

    r = stack.post("/api/cvs", json={"template_id": "modern-ocean", "content": {"basics": {"name": "Photo Person"}}})
    anonymous = {"x-anonymous-id": r.json()["data"]["anonymous_id"]}
    buffer = io.BytesIO()
    Image.new("RGB", (240, 300), (30, 110, 160)).save(buffer, format="JPEG")
    photo = buffer.getvalue()
    presigned = stack.post("/api/uploads/presigned-url", headers=anonymous,
                           json={"purpose": "cv_photo", "content_type": "image/jpeg", "size": len(photo)}).json()["data"]
    upload = requests.post(presigned["url"], data=presigned["fields"],
                           files={"file": ("me.jpg", photo, "image/jpeg")}, timeout=10)
    assert upload.status_code in (200, 201, 204), upload.text

    cv_id = r.json()["data"]["cv"]["id"]
    r = stack.put(f"/api/cvs/{cv_id}", headers=anonymous,
                  json={"content": {"basics": {"name": "Photo Person", "image": presigned["key"]}}})
    assert r.status_code == 200, r.text
    resources = stack.info()["resources"]
    stack.boto3_client("sqs").send_message(QueueUrl=resources["PdfQueue"]["Ref"],
                                           MessageBody=json.dumps({"cv_id": cv_id, "version": 2}))
    ddb = stack.boto3_client("dynamodb")

    def rendered():
        item = ddb.get_item(TableName=resources["Table"]["Ref"], Key={"pk": {"S": f"CV#{cv_id}"}, "sk": {"S": "CV"}})["Item"]
        return item if item["pdf_status"]["S"] == "ready" else None

    item = _wait_for(rendered)
    pdf = stack.boto3_client("s3").get_object(Bucket=resources["Bucket"]["Ref"], Key=item["pdf_key"]["S"])["Body"].read()
    assert any(page.images for page in PdfReader(io.BytesIO(pdf)).pages)
