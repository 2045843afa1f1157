"""Share links over HTTP on the local stack: a paid CV's link opens without an account, its
presigned PDF and QR links serve their bytes from the local S3, the QR PNG reads back as the
link, views count once per viewer, a revoked link is 404 and strangers are refused."""
from __future__ import annotations

import io
import time
import uuid

import requests
import zxingcpp
from PIL import Image

from local.template import load_template

ORIGIN = load_template().parameters["AllowedOrigins"].split(",")[0]
PHONE_UA = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"
DESKTOP_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


def _poll(fetch, done, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        reply = fetch()
        if done(reply) or time.monotonic() > deadline:
            return reply
        time.sleep(0.25)


def _account(stack, name: str = "Neema Mushi") -> dict[str, str]:
    r = stack.post("/api/auth/register", json={"full_name": name, "email": f"{uuid.uuid4().hex[:8]}@example.com",
                                               "password": "correct horse battery", "phone_number": "0754 100 300"})
    assert r.status_code == 201, r.text
    return {"authorization": f"Bearer {r.json()['data']['access_token']}"}


def _cv(stack, auth) -> str:
    r = stack.post("/api/cvs", json={"template_id": "classic-navy", "content": {
        "basics": {"name": "Neema Mushi", "label": "Muuguzi (Nurse)", "email": "neema.private@example.com"}}},
        headers=auth)
    assert r.status_code == 201, r.text
    return r.json()["data"]["cv"]["id"]


def _paid_cv(stack, auth) -> str:
    cv_id = _cv(stack, auth)
    r = stack.post("/api/payments/initiate", json={"cv_id": cv_id, "method": "mobile_money"}, headers=auth)
    assert r.status_code == 201, r.text
    reference = r.json()["data"]["payment"]["reference"]
    r = _poll(lambda: stack.get(f"/api/payments/verify/{reference}", headers=auth),
              lambda r: r.json()["data"]["payment"]["status"] == "completed")
    assert r.json()["data"]["payment"]["status"] == "completed", r.text
    return cv_id


def test_a_paid_cv_is_shared_opened_counted_and_revoked(stack):
    auth = _account(stack)
    cv_id = _paid_cv(stack, auth)
    unpaid = _cv(stack, auth)
    r = stack.post(f"/api/cvs/{unpaid}/share", headers=auth)
    assert r.status_code == 402 and r.json()["error"]["code"] == "PAYMENT_REQUIRED", r.text

    r = stack.post(f"/api/cvs/{cv_id}/share", headers=auth)
    assert r.status_code == 201, r.text
    share = r.json()["data"]["share"]
    assert share["url"].endswith(f"/s/{share['slug']}")
    png = requests.get(share["qr_png_url"], timeout=10)  # the presigned link itself
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert [c.text for c in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))] == [share["url"]]
    svg = requests.get(share["qr_svg_url"], timeout=10)
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    assert stack.post(f"/api/cvs/{cv_id}/share", headers=auth).json()["data"]["share"]["slug"] == share["slug"]

    # Anyone, without an account: 202 until the paid render is done, then the PDF.
    public = f"/api/public/cvs/{share['slug']}"
    r = _poll(lambda: stack.get(public, headers={"user-agent": PHONE_UA, "origin": ORIGIN}),
              lambda r: r.status_code == 200)
    assert r.status_code == 200, r.text
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    data = r.json()["data"]
    assert data["name"] == "Neema Mushi" and data["label"] == "Muuguzi (Nurse)" and data["template_id"] == "classic-navy"
    assert cv_id not in r.text and "neema.private@example.com" not in r.text and "255754100300" not in r.text
    pdf = requests.get(data["pdf_url"], timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # The same phone again: one view; a laptop at the same address: a second one.
    assert stack.get(public, headers={"user-agent": PHONE_UA}).status_code == 200
    assert stack.get(public, headers={"user-agent": DESKTOP_UA, "referer": "https://www.linkedin.com/feed/"}).status_code == 200
    r = stack.get(f"/api/cvs/{cv_id}/share/views", headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["meta"]["total"] == 2
    assert [(v["device"], v["referrer_host"]) for v in r.json()["data"]] == [("desktop", "www.linkedin.com"),
                                                                           ("mobile", None)]

    # Another account can neither share, revoke nor read the views.
    stranger = _account(stack, "Juma Mrisho")
    for method, path in (("POST", f"/api/cvs/{cv_id}/share"), ("DELETE", f"/api/cvs/{cv_id}/share"),
                         ("GET", f"/api/cvs/{cv_id}/share/views")):
        r = stack.request(method, path, headers=stranger)
        assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND", (method, path, r.text)

    # Revoked: 404 for everyone, and a new share is a new slug.
    assert stack.delete(f"/api/cvs/{cv_id}/share", headers=auth).status_code == 204
    r = stack.get(public)
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    assert stack.get(f"/api/public/cvs/{uuid.uuid4().hex[:16]}").status_code == 404
    r = stack.post(f"/api/cvs/{cv_id}/share", headers=auth)
    assert r.status_code == 201 and r.json()["data"]["share"]["slug"] != share["slug"]
