"""The CV preview (GET /api/cvs/{id}/preview) and the template thumbnails, through the real
handlers against moto: images that decode, are marked, carry no text, and are made once per
content version and look."""
from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("catalog")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cvs"
TWO_PAGES = json.loads((FIXTURES / "two_pages.json").read_text(encoding="utf-8"))
ONE_PAGE = json.loads((FIXTURES / "one_page.json").read_text(encoding="utf-8"))


def anon():
    return {"x-anonymous-id": str(uuid.uuid4())}


def new_cv(api, headers=None, token=None, content=TWO_PAGES, template_id="modern-ocean") -> str:
    reply = api.post("/api/cvs", json={"template_id": template_id, "content": content}, headers=headers, token=token)
    assert reply.status == 201, reply.body
    return reply.data["cv"]["id"]


def fetch(url: str) -> bytes:
    """The object a presigned link names, read from moto's bucket (the link's own signature
    is checked over HTTP in tests/integration/test_preview_http.py)."""
    from urllib.parse import unquote, urlparse

    from chapchap import storage

    path = unquote(urlparse(url).path).lstrip("/")
    bucket = storage.bucket()
    key = path[len(bucket) + 1:] if path.startswith(bucket + "/") else path
    return storage.get(key)


def decoded(png: bytes):
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    image.load()
    return image


@pytest.fixture
def renders(monkeypatch):
    """How many times a CV was rendered to PDF for a preview."""
    from chapchap.pdf import worker as pdf_worker

    count = {"n": 0}
    real = pdf_worker.render_pdf

    def counting(*args, **kwargs):
        count["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(pdf_worker, "render_pdf", counting)
    return count


# ---------------------------------------------------------------- the preview
def test_owner_gets_two_marked_png_pages_of_a_two_page_cv(api, renders):
    owner = anon()
    cv_id = new_cv(api, headers=owner)
    reply = api.get(f"/api/cvs/{cv_id}/preview", headers=owner)
    assert reply.status == 200, reply.body
    data = reply.data
    assert data["page_count"] == 2 == len(data["pages"]) and data["content_version"] == 1
    for number, page in enumerate(data["pages"], start=1):
        assert f"previews/{cv_id}/1/" in page["url"] and page["url"].split("?")[0].endswith(f"page-{number}.png")
        assert "X-Amz-Signature=" in page["url"] and "X-Amz-Expires=300" in page["url"]
        png = fetch(page["url"])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        image = decoded(png)
        assert image.format == "PNG" and image.size == (page["width"], page["height"])
        assert page["width"] == 1000 and 1400 < page["height"] < 1430  # A4
        # An image, nothing else: no text chunk, nothing of the CV's words in the bytes.
        assert not getattr(image, "text", {}) and b"Baraka" not in png and b"Mwakyusa" not in png
        assert _marked(image)
    assert renders["n"] == 1


def _marked(image) -> bool:
    """The diagonal mark: its red shows at the page's centre, where a CV has no red."""
    rgb = image.convert("RGB")
    cx, cy = rgb.width // 2, rgb.height // 2
    reddish = 0
    for dx in range(-60, 61, 6):
        for dy in range(-60, 61, 6):
            r, g, b = rgb.getpixel((cx + dx, cy + dy))
            reddish += r > g + 25 and r > b + 25
    return reddish > 20


def test_a_signed_in_owner_paid_or_not_gets_it_and_others_get_404(api):
    from tests.unit.test_cvs_api import register

    user = register(api, "preview-owner@example.com")
    cv_id = new_cv(api, token=user["access_token"], content=ONE_PAGE, template_id="classic-navy")
    reply = api.get(f"/api/cvs/{cv_id}/preview", token=user["access_token"])
    assert reply.status == 200 and reply.data["page_count"] == 1, reply.body
    stranger = register(api, "someone-else@example.com")
    for denied in (api.get(f"/api/cvs/{cv_id}/preview", token=stranger["access_token"]),
                   api.get(f"/api/cvs/{cv_id}/preview", headers=anon()),
                   api.get(f"/api/cvs/{uuid.uuid4()}/preview", token=user["access_token"])):
        assert denied.status == 404 and denied.error["code"] == "NOT_FOUND", denied.body
    assert api.get(f"/api/cvs/{cv_id}/preview").status == 401
    # Paid: the same preview.
    from chapchap.data import cvs as cv_data
    from chapchap.data import table
    table.update(*cv_data.cv_key(cv_id), "SET is_paid = :yes", yes=True)
    assert api.get(f"/api/cvs/{cv_id}/preview", token=user["access_token"]).status == 200


def test_the_same_version_is_not_rendered_again_and_a_new_one_is(api, renders, ddb_calls):
    owner = anon()
    cv_id = new_cv(api, headers=owner)
    first = api.get(f"/api/cvs/{cv_id}/preview", headers=owner).data
    with ddb_calls() as calls:
        again = api.get(f"/api/cvs/{cv_id}/preview", headers=owner).data
    assert renders["n"] == 1 and dict(calls) == {"GetItem": 2}  # the CV and its template, no write
    assert [p["url"].split("?")[0] for p in again["pages"]] == [p["url"].split("?")[0] for p in first["pages"]]
    old_png = fetch(first["pages"][0]["url"])

    reply = api.put(f"/api/cvs/{cv_id}", json={"content": ONE_PAGE}, headers=owner)
    assert reply.status == 200
    newer = api.get(f"/api/cvs/{cv_id}/preview", headers=owner).data
    assert renders["n"] == 2 and newer["content_version"] == 2 and newer["page_count"] == 1
    assert f"previews/{cv_id}/2/" in newer["pages"][0]["url"]
    assert fetch(newer["pages"][0]["url"]) != old_png
    # A template change is a new content version too (and another look).
    reply = api.put(f"/api/cvs/{cv_id}", json={"template_id": "compact-ats"}, headers=owner)
    assert reply.status == 200
    assert api.get(f"/api/cvs/{cv_id}/preview", headers=owner).data["content_version"] == 3
    assert renders["n"] == 3


def test_an_admin_restyling_the_template_makes_a_new_preview(api, renders):
    from chapchap.data import table

    owner = anon()
    cv_id = new_cv(api, headers=owner, content=ONE_PAGE)
    first = api.get(f"/api/cvs/{cv_id}/preview", headers=owner).data
    table.update("TEMPLATE#modern-ocean", "TEMPLATE", "SET theme.colors.#primary = :red", names={"#primary": "primary"},
                 red="#9B2C2C")
    second = api.get(f"/api/cvs/{cv_id}/preview", headers=owner).data
    assert renders["n"] == 2 and second["content_version"] == first["content_version"]
    assert second["pages"][0]["url"].split("?")[0] != first["pages"][0]["url"].split("?")[0]


def test_an_old_marker_is_not_trusted(api, renders):
    """The lifecycle rule deletes previews after days: an old marker means make them again."""
    from chapchap.data import cvs as cv_data
    from chapchap.data import table

    owner = anon()
    cv_id = new_cv(api, headers=owner, content=ONE_PAGE)
    api.get(f"/api/cvs/{cv_id}/preview", headers=owner)
    table.update(*cv_data.cv_key(cv_id), "SET preview.#at = :long_ago", names={"#at": "at"},
                 long_ago="2020-01-01T00:00:00.000Z")
    assert api.get(f"/api/cvs/{cv_id}/preview", headers=owner).status == 200
    assert renders["n"] == 2


def test_a_deleted_cv_has_no_preview(api):
    owner = anon()
    cv_id = new_cv(api, headers=owner, content=ONE_PAGE)
    assert api.delete(f"/api/cvs/{cv_id}", headers=owner).status == 204
    assert api.get(f"/api/cvs/{cv_id}/preview", headers=owner).status == 404


def test_the_preview_does_not_change_the_cv(api):
    owner = anon()
    cv_id = new_cv(api, headers=owner, content=ONE_PAGE)
    before = api.get(f"/api/cvs/{cv_id}", headers=owner).data["cv"]
    api.get(f"/api/cvs/{cv_id}/preview", headers=owner)
    assert api.get(f"/api/cvs/{cv_id}", headers=owner).data["cv"] == before


# ---------------------------------------------------------------- template thumbnails
NEW_TEMPLATE = {"id": "modern-serengeti", "name": "Modern Serengeti", "description": "Gold and green.",
                "layout": "modern", "theme": {"colors": {"primary": "#2F4F2F", "accent": "#C9A227"},
                                              "margins": {"left": 12.0}, "font_size": 10.0},
                "price": 6000, "sort": 60}


@pytest.fixture
def admin(api):
    from tests.support.shop import admin_token

    return admin_token(api)


def thumbnail_jobs(queue_messages) -> list[dict]:
    return [m for m in queue_messages() if m.get("kind") == "thumbnail"]


def public(api) -> dict[str, dict]:
    reply = api.get("/api/templates")
    assert reply.status == 200, reply.body
    return {t["id"]: t for t in reply.data}


def test_a_new_template_gets_a_thumbnail_from_the_pdf_function(api, admin, queue_messages):
    from tests.support.shop import render_queued

    assert public(api)["classic-navy"]["thumbnail_url"] is None  # seeded without the bootstrap
    reply = api.post("/api/admin/templates", json=NEW_TEMPLATE, token=admin)
    assert reply.status == 201, reply.body
    assert public(api)["modern-serengeti"]["thumbnail_url"] is None  # queued, not made yet
    from chapchap.pdf import looks
    from chapchap.data import templates
    look = looks.look_hash(templates.get("modern-serengeti"))  # as stored: 12.0 is read back as 12
    [job] = thumbnail_jobs(queue_messages)
    assert job == {"kind": "thumbnail", "template_id": "modern-serengeti", "look": look}
    for _ in range(2):  # a second delivery changes nothing
        _deliver(job)
    url = public(api)["modern-serengeti"]["thumbnail_url"]
    assert url.split("?")[0].endswith(f"thumbnails/modern-serengeti/{look}.png")
    assert "X-Amz-Expires=3600" in url
    image = decoded(fetch(url))
    assert image.size[0] == 480 and 670 < image.size[1] < 690
    # The admin's views keep the admin's own field (none here).
    listed = api.get("/api/admin/templates", token=admin).data
    assert next(t for t in listed if t["id"] == "modern-serengeti")["thumbnail_url"] is None
    assert render_queued(queue_messages) == 0


def _deliver(job: dict) -> None:
    from tests.support.apigw import invoke

    record = {"messageId": str(uuid.uuid4()), "receiptHandle": "h", "body": json.dumps(job),
              "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
              "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:af-south-1:123456789012:q",
              "awsRegion": "af-south-1"}
    assert invoke("PdfFunction", {"Records": [record]}) == {"batchItemFailures": []}


def test_a_restyle_queues_a_new_thumbnail_and_other_changes_do_not(api, admin, queue_messages):
    assert api.post("/api/admin/templates", json=NEW_TEMPLATE, token=admin).status == 201
    [first] = thumbnail_jobs(queue_messages)
    _deliver(first)
    old_url = public(api)["modern-serengeti"]["thumbnail_url"].split("?")[0]
    # Price, name, sort: same look, no job.
    reply = api.put("/api/admin/templates/modern-serengeti", json={"price": 6500, "name": "Serengeti"}, token=admin)
    assert reply.status == 200 and thumbnail_jobs(queue_messages) == []
    # A new theme: a new job, and the old thumbnail stays until the new one is made.
    theme = {**NEW_TEMPLATE["theme"], "colors": {"primary": "#7B341E", "accent": "#DD6B20"}}
    assert api.put("/api/admin/templates/modern-serengeti", json={"theme": theme}, token=admin).status == 200
    [second] = thumbnail_jobs(queue_messages)
    assert second["look"] != first["look"]
    assert public(api)["modern-serengeti"]["thumbnail_url"].split("?")[0] == old_url
    _deliver(first)  # a late copy of the old job: stale, nothing changes
    assert public(api)["modern-serengeti"]["thumbnail_url"].split("?")[0] == old_url
    _deliver(second)
    new_url = public(api)["modern-serengeti"]["thumbnail_url"]
    assert new_url.split("?")[0].endswith(f"/{second['look']}.png")
    assert fetch(new_url) != fetch(old_url)


def test_an_admin_given_thumbnail_wins(api, admin, queue_messages):
    given = {**NEW_TEMPLATE, "thumbnail_url": "https://cdn.example.com/serengeti.png"}
    assert api.post("/api/admin/templates", json=given, token=admin).status == 201
    [job] = thumbnail_jobs(queue_messages)
    _deliver(job)
    assert public(api)["modern-serengeti"]["thumbnail_url"] == "https://cdn.example.com/serengeti.png"
    # Removed by the admin: the generated one shows.
    reply = api.put("/api/admin/templates/modern-serengeti", json={"thumbnail_url": None}, token=admin)
    assert reply.status == 200
    assert "/thumbnails/modern-serengeti/" in public(api)["modern-serengeti"]["thumbnail_url"]


def test_an_unchanged_save_backfills_a_missing_thumbnail(api, admin, queue_messages):
    reply = api.put("/api/admin/templates/classic-navy", json={"price": 5000}, token=admin)
    assert reply.status == 200
    [job] = thumbnail_jobs(queue_messages)
    assert job["template_id"] == "classic-navy"
    _deliver(job)
    assert public(api)["classic-navy"]["thumbnail_url"]
    assert api.put("/api/admin/templates/classic-navy", json={"price": 5000}, token=admin).status == 200
    assert thumbnail_jobs(queue_messages) == []  # it has one now


def test_the_public_list_stays_one_query_with_thumbnails(api, admin, queue_messages, ddb_calls):
    assert api.post("/api/admin/templates", json=NEW_TEMPLATE, token=admin).status == 201
    [job] = thumbnail_jobs(queue_messages)
    _deliver(job)
    api.get("/api/templates")  # the default price, kept a minute per container
    with ddb_calls() as calls:
        listed = public(api)
    assert dict(calls) == {"Query": 1}
    assert listed["modern-serengeti"]["thumbnail_url"]


def test_the_bootstrap_queues_the_starter_thumbnails(aws, queue_messages):
    """On an empty deployment (this test's own account, without the seeded catalogue)."""
    from chapchap import bootstrap
    from chapchap.templates.catalog import STARTER_TEMPLATES
    from chapchap.data import table

    for spec in STARTER_TEMPLATES:  # the catalog fixture seeded them; the bootstrap writes them itself
        table.client().delete_item(TableName=table.table_name(), Key=table.key(f"TEMPLATE#{spec['id']}", "TEMPLATE"))
    result = bootstrap.run(admin_email="owner@example.com", admin_name="Owner")
    assert len(result["templates"]["created"]) == len(STARTER_TEMPLATES)
    jobs = thumbnail_jobs(queue_messages)
    assert sorted(j["template_id"] for j in jobs) == sorted(t["id"] for t in STARTER_TEMPLATES)
    for job in jobs:
        _deliver(job)
    from tests.support.apigw import ApiClient
    listed = public(ApiClient())
    for spec in STARTER_TEMPLATES:
        image = decoded(fetch(listed[spec["id"]]["thumbnail_url"]))
        assert image.format == "PNG" and image.width == 480
    bootstrap.run(admin_email="owner@example.com", admin_name="Owner")  # again: nothing new
    assert thumbnail_jobs(queue_messages) == []
