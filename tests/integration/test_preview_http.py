"""The preview and the template thumbnails over HTTP on the local stack: images an anonymous
visitor's browser fetches over the presigned links, from the local S3."""
from __future__ import annotations

import io
import json
import time
import uuid
from pathlib import Path

import requests
from PIL import Image

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cvs"


def _image(url: str) -> Image.Image:
    reply = requests.get(url, timeout=30)  # the presigned link itself: its signature is checked
    assert reply.status_code == 200, reply.text[:300]
    assert reply.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(reply.content))
    image.load()
    return image


def test_an_anonymous_visitor_previews_their_cv_and_nobody_else_can(stack):
    content = json.loads((FIXTURES / "two_pages.json").read_text(encoding="utf-8"))
    r = stack.post("/api/cvs", json={"template_id": "modern-ocean", "content": content})
    assert r.status_code == 201, r.text
    cv_id, anonymous_id = r.json()["data"]["cv"]["id"], r.json()["data"]["anonymous_id"]
    mine = {"x-anonymous-id": anonymous_id}

    r = stack.get(f"/api/cvs/{cv_id}/preview", headers=mine)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["page_count"] == 2 == len(data["pages"]) and data["content_version"] == 1
    for page in data["pages"]:
        image = _image(page["url"])
        assert image.format == "PNG" and image.size == (page["width"], page["height"])
        assert image.width <= 1000 and not image.text

    stranger = {"x-anonymous-id": str(uuid.uuid4())}
    r = stack.get(f"/api/cvs/{cv_id}/preview", headers=stranger)
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    assert stack.get(f"/api/cvs/{cv_id}/preview").status_code == 401


def test_each_public_template_has_a_thumbnail_image(stack):
    """The bootstrap queued them at start; the stack's PDF consumer renders them."""
    deadline = time.monotonic() + 60
    while True:
        templates = stack.get("/api/templates").json()["data"]
        if templates and all(t["thumbnail_url"] for t in templates):
            break
        assert time.monotonic() < deadline, [t["id"] for t in templates if not t["thumbnail_url"]]
        time.sleep(0.5)
    for template in templates:
        image = _image(template["thumbnail_url"])
        assert image.format == "PNG" and image.width == 480 and image.height > image.width
