"""CV endpoints through their real handlers against moto."""
from __future__ import annotations

import json
import threading
import uuid

import pytest

pytestmark = pytest.mark.usefixtures("catalog")

CONTENT = {
    "basics": {"name": "Ngũgĩ wa Thiong'o", "email": "ngugi@example.com", "phone": "0712345678",
               "summary": "Writer and teacher.", "x-favourite-colour": "green"},
    "work": [{"name": "University of Nairobi", "position": "Lecturer", "startDate": "1967-09", "endDate": "1969",
              "highlights": ["Taught literature"], "custom": {"kept": True}}],
    "education": [{"institution": "Makerere", "area": "English", "studyType": "BA", "endDate": "1963-06-30"}],
    "skills": [{"name": "Writing", "keywords": ["novels", "plays"]}],
    "x-extension": [1, 2, {"three": 3}],
}


def anon_headers(anonymous_id=None):
    return {"x-anonymous-id": anonymous_id or str(uuid.uuid4())}


def create(api, headers=None, token=None, content=CONTENT, template_id="classic-navy", **extra):
    reply = api.post("/api/cvs", json={"template_id": template_id, "content": content, **extra},
                     headers=headers, token=token)
    assert reply.status == 201, reply.body
    return reply


def register(api, email="visitor@example.com", anonymous_id=None):
    body = {"full_name": "Visitor", "email": email, "password": "correct horse battery"}
    if anonymous_id:
        body["anonymous_id"] = anonymous_id
    reply = api.post("/api/auth/register", json=body)
    assert reply.status == 201, reply.body
    return reply.data


# ---------------------------------------------------------------- anonymous ownership
def test_anonymous_create_makes_an_id_once(api):
    reply = create(api)
    anonymous_id = reply.data["anonymous_id"]
    assert reply.headers["x-anonymous-id"] == anonymous_id
    cv = reply.data["cv"]
    assert cv["content"] == CONTENT  # unknown keys kept exactly
    assert cv["title"] == "Ngũgĩ wa Thiong'o CV"
    assert cv["is_paid"] is False and cv["pdf_status"] == "none" and cv["download_count"] == 0
    again = create(api, headers=anon_headers(anonymous_id))
    assert again.data["anonymous_id"] == anonymous_id and "x-anonymous-id" not in again.headers
    listed = api.get("/api/cvs", headers=anon_headers(anonymous_id))
    assert [c["id"] for c in listed.data] == [again.data["cv"]["id"], cv["id"]]  # newest first
    assert listed.body["meta"] == {"limit": 20, "next_cursor": None}


def test_stranger_gets_404_everywhere(api):
    owner = anon_headers()
    cv_id = create(api, headers=owner).data["cv"]["id"]
    stranger = anon_headers()
    user = register(api)["access_token"]
    for kw in ({"headers": stranger}, {"token": user}):
        assert api.get(f"/api/cvs/{cv_id}", **kw).status == 404
        assert api.put(f"/api/cvs/{cv_id}", json={"title": "mine now"}, **kw).status == 404
        assert api.delete(f"/api/cvs/{cv_id}", **kw).status == 404
        assert api.post(f"/api/cvs/{cv_id}/duplicate", **kw).status == 404
        assert api.get("/api/cvs", **kw).data == []
    assert api.get(f"/api/cvs/{cv_id}", headers=owner).data["cv"]["title"] != "mine now"


def test_no_identity_and_bad_identity(api):
    assert api.get("/api/cvs").status == 401
    reply = api.get("/api/cvs", headers={"x-anonymous-id": "../../etc"})
    assert reply.status == 401 and reply.error["code"] == "BAD_ANONYMOUS_ID"
    assert api.get("/api/cvs/not-a-real-id", headers=anon_headers()).status == 404


# ---------------------------------------------------------------- hand-over
@pytest.mark.parametrize("way", ["register", "login"])
def test_handover_at_register_and_login(api, way):
    anonymous_id = str(uuid.uuid4())
    ids = {create(api, headers=anon_headers(anonymous_id)).data["cv"]["id"] for _ in range(3)}
    other_anon = create(api, headers=anon_headers()).data["cv"]["id"]
    if way == "register":
        token = register(api, anonymous_id=anonymous_id)["access_token"]
    else:
        register(api)
        reply = api.post("/api/auth/login", json={"email": "visitor@example.com", "password": "correct horse battery",
                                                  "anonymous_id": anonymous_id})
        token = reply.data["access_token"]
    mine = api.get("/api/cvs", token=token).data
    assert {c["id"] for c in mine} == ids
    assert all(c["content"] == CONTENT for c in mine)
    # The anonymous id no longer opens them; the other visitor's CV stayed theirs.
    assert api.get("/api/cvs", headers=anon_headers(anonymous_id)).data == []
    assert api.get(f"/api/cvs/{next(iter(ids))}", headers=anon_headers(anonymous_id)).status == 404
    assert other_anon not in {c["id"] for c in mine}


def test_handover_keeps_an_edit_made_at_the_same_moment(api):
    """An edit and the hand-over touch different attributes; neither may undo the other."""
    anonymous_id = str(uuid.uuid4())
    cv_id = create(api, headers=anon_headers(anonymous_id)).data["cv"]["id"]
    edited = {**CONTENT, "basics": {**CONTENT["basics"], "summary": "Edited while registering."}}
    results = {}

    def edit():
        results["edit"] = api.put(f"/api/cvs/{cv_id}", json={"content": edited}, headers=anon_headers(anonymous_id))

    thread = threading.Thread(target=edit)
    thread.start()
    token = register(api, anonymous_id=anonymous_id)["access_token"]
    thread.join()
    cv = api.get(f"/api/cvs/{cv_id}", token=token).data["cv"]
    if results["edit"].status == 200:  # the edit landed first: it must have survived the move
        assert cv["content"]["basics"]["summary"] == "Edited while registering."
        assert cv["content_version"] == 2
    else:  # the move landed first: the anonymous edit was refused, nothing half-written
        assert results["edit"].status == 404 and cv["content"] == CONTENT


# ---------------------------------------------------------------- validation and limits
@pytest.mark.parametrize("content, field", [
    ({"work": [{"startDate": "2020-13"}]}, "content.work.0.startDate"),
    ({"education": [{"endDate": "March 2020"}]}, "content.education.0.endDate"),
    ({"basics": "a string"}, "content.basics"),
    ({"skills": {"not": "a list"}}, "content.skills"),
    ({"basics": {"image": "photos/anon/someone-else/x.png"}}, "content.basics.image"),
])
def test_content_validation(api, content, field):
    reply = api.post("/api/cvs", json={"template_id": "classic-navy", "content": content}, headers=anon_headers())
    assert reply.status == 422, reply.body
    assert field in [d["field"] for d in reply.error["details"]]


def test_unknown_or_inactive_template_is_422(api):
    reply = api.post("/api/cvs", json={"template_id": "no-such", "content": {}}, headers=anon_headers())
    assert reply.status == 422 and reply.error["details"][0]["field"] == "template_id"


def test_content_over_100_kb_is_413_and_writes_nothing(api, ddb_calls):
    owner = anon_headers()
    big = {"basics": {"summary": "x" * (100 * 1024)}}
    with ddb_calls() as calls:
        reply = api.post("/api/cvs", json={"template_id": "classic-navy", "content": big}, headers=owner)
    assert reply.status == 413 and reply.error["code"] == "CONTENT_TOO_LARGE"
    assert "PutItem" not in calls and "TransactWriteItems" not in calls
    cv_id = create(api, headers=owner).data["cv"]["id"]
    assert api.put(f"/api/cvs/{cv_id}", json={"content": big}, headers=owner).status == 413
    assert api.get(f"/api/cvs/{cv_id}", headers=owner).data["cv"]["content"] == CONTENT


def test_update_bumps_version_and_validates(api):
    owner = anon_headers()
    cv_id = create(api, headers=owner).data["cv"]["id"]
    reply = api.put(f"/api/cvs/{cv_id}", json={"title": "For the bank", "template_id": "modern-ocean"}, headers=owner)
    assert reply.status == 200
    cv = reply.data["cv"]
    assert cv["title"] == "For the bank" and cv["template_id"] == "modern-ocean" and cv["content_version"] == 2
    assert api.put(f"/api/cvs/{cv_id}", json={"title": None}, headers=owner).status == 422
    assert api.put(f"/api/cvs/{cv_id}", json={"is_paid": True}, headers=owner).status == 422
    assert api.get(f"/api/cvs/{cv_id}", headers=owner).data["cv"]["is_paid"] is False


def test_pagination_with_signed_cursor(api):
    owner = anon_headers()
    ids = [create(api, headers=owner).data["cv"]["id"] for _ in range(5)]
    first = api.get("/api/cvs", headers=owner, query="limit=2")
    assert len(first.data) == 2 and first.body["meta"]["next_cursor"]
    seen = [c["id"] for c in first.data]
    cursor = first.body["meta"]["next_cursor"]
    while cursor:
        page = api.get("/api/cvs", headers=owner, query=f"limit=2&cursor={cursor}")
        seen += [c["id"] for c in page.data]
        cursor = page.body["meta"]["next_cursor"]
    assert seen == list(reversed(ids))
    # Someone else's cursor, a garbled one, or a bad limit: 400, never data.
    other = anon_headers()
    assert api.get("/api/cvs", headers=other, query=f"cursor={first.body['meta']['next_cursor']}").status == 400
    assert api.get("/api/cvs", headers=owner, query="cursor=garbage").status == 400
    for bad in ("limit=0", "limit=101", "limit=abc", "limit=-1"):
        assert api.get("/api/cvs", headers=owner, query=bad).status == 400


# ---------------------------------------------------------------- delete and duplicate
def test_soft_delete(api):
    owner = anon_headers()
    cv_id = create(api, headers=owner).data["cv"]["id"]
    assert api.delete(f"/api/cvs/{cv_id}", headers=owner).status == 204
    assert api.get(f"/api/cvs/{cv_id}", headers=owner).status == 404
    assert api.get("/api/cvs", headers=owner).data == []
    assert api.delete(f"/api/cvs/{cv_id}", headers=owner).status == 404
    from chapchap.data import cvs
    kept = cvs.get(cv_id)
    assert kept["deleted_at"] and kept["content_json"]  # kept for a later restore or purge


def test_duplicate_is_an_unpaid_copy(api):
    owner = anon_headers()
    source = create(api, headers=owner, title="Original").data["cv"]
    from chapchap.data import table
    table.update(f"CV#{source['id']}", "CV", "SET is_paid = :t", t=True)
    reply = api.post(f"/api/cvs/{source['id']}/duplicate", headers=owner)
    assert reply.status == 201
    copy = reply.data["cv"]
    assert copy["id"] != source["id"] and copy["title"] == "Original (copy)"
    assert copy["content"] == CONTENT and copy["is_paid"] is False and copy["pdf_status"] == "none"


def test_paid_cv_update_is_rendered_again(api, queue_messages):
    owner = anon_headers()
    cv_id = create(api, headers=owner).data["cv"]["id"]
    from chapchap.data import table
    table.update(f"CV#{cv_id}", "CV", "SET is_paid = :t", t=True)
    reply = api.put(f"/api/cvs/{cv_id}", json={"title": "New title"}, headers=owner)
    assert reply.data["cv"]["pdf_status"] == "rendering"
    assert queue_messages() == [{"cv_id": cv_id, "version": 2}]
    create(api, headers=owner)  # unpaid CVs are not rendered
    assert queue_messages() == []


# ---------------------------------------------------------------- templates and uploads
def test_public_templates_are_the_active_ones_with_price(api, catalog):
    from chapchap.data import table
    table.update("TEMPLATE#compact-ats", "TEMPLATE", "SET is_active = :f REMOVE gsi2pk, gsi2sk", f=False)
    reply = api.get("/api/templates")
    assert reply.status == 200
    ids = [t["id"] for t in reply.data]
    assert "compact-ats" not in ids and ids[0] == "classic-navy"
    by_id = {t["id"]: t for t in reply.data}
    assert by_id["modern-ocean"]["price"] == {"amount": 7000, "currency": "TZS"}
    assert by_id["classic-zanzibar"]["price"] == {"amount": 5000, "currency": "TZS"}  # the default price
    assert {"id", "name", "description", "thumbnail_url", "layout", "price"} <= set(by_id["modern-ocean"])


def test_presigned_photo_upload_is_bound_to_the_caller(api):
    owner = anon_headers()
    reply = api.post("/api/uploads/presigned-url", json={"purpose": "cv_photo", "content_type": "image/png", "size": 1000},
                     headers=owner)
    assert reply.status == 200, reply.body
    data = reply.data
    assert data["key"].startswith(f"photos/anon/{owner['x-anonymous-id']}/") and data["key"].endswith(".png")
    assert data["fields"]["key"] == data["key"] and data["fields"]["Content-Type"] == "image/png"
    policy = json.loads(__import__("base64").b64decode(data["fields"]["policy"]))
    assert ["content-length-range", 1, 2 * 1024 * 1024] in policy["conditions"]
    # The key may now be used as the CV's photo by this owner, and by nobody else.
    content = {"basics": {"name": "A", "image": data["key"]}}
    create(api, headers=owner, content=content)
    assert api.post("/api/cvs", json={"template_id": "classic-navy", "content": content},
                    headers=anon_headers()).status == 422


@pytest.mark.parametrize("body", [
    {"purpose": "cv_photo", "content_type": "image/gif", "size": 100},
    {"purpose": "cv_photo", "content_type": "image/png", "size": 3 * 1024 * 1024},
    {"purpose": "avatar", "content_type": "image/png", "size": 100},
    {"purpose": "cv_photo", "content_type": "image/png", "size": 0},
])
def test_presign_rejects(api, body):
    assert api.post("/api/uploads/presigned-url", json=body, headers=anon_headers()).status == 422


# ---------------------------------------------------------------- call counts
def test_cv_call_counts_are_bounded_and_never_scan(api, ddb_calls):
    owner = anon_headers()
    for _ in range(30):
        create(api, headers=owner)
    with ddb_calls() as c:
        cv_id = create(api, headers=owner).data["cv"]["id"]
    assert dict(c) == {"GetItem": 1, "TransactWriteItems": 1}
    with ddb_calls() as c:
        api.get("/api/cvs", headers=owner, query="limit=100")
    assert dict(c) == {"Query": 1}
    with ddb_calls() as c:
        api.get(f"/api/cvs/{cv_id}", headers=owner)
    assert dict(c) == {"GetItem": 1}
    with ddb_calls() as c:
        api.put(f"/api/cvs/{cv_id}", json={"content": CONTENT}, headers=owner)
    assert dict(c) == {"GetItem": 1, "UpdateItem": 1}
    with ddb_calls() as c:
        api.post(f"/api/cvs/{cv_id}/duplicate", headers=owner)
    assert dict(c) == {"GetItem": 1, "TransactWriteItems": 1}
    with ddb_calls() as c:
        api.delete(f"/api/cvs/{cv_id}", headers=owner)
    assert dict(c) == {"GetItem": 1, "TransactWriteItems": 1}  # + the template's live_cvs
    with ddb_calls() as c:
        api.get("/api/templates")
    assert dict(c) == {"Query": 1, "GetItem": 1}  # + the default price (classic-zanzibar has none)
    with ddb_calls() as c:
        api.get("/api/templates")
    assert dict(c) == {"Query": 1}  # the default price is kept a minute per container
    token = register(api, anonymous_id=owner["x-anonymous-id"])["access_token"]
    with ddb_calls() as c:
        api.get("/api/cvs", token=token)
    assert dict(c) == {"BatchGetItem": 1, "Query": 1}
