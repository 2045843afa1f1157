"""Security checks over every route of template.yaml (new routes are covered automatically):
another person's objects are 404, bad tokens are 401, user tokens on admin routes are 403,
upload keys cannot escape their owner's prefix, presigned URLs expire within minutes."""
from __future__ import annotations

import re
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from local.template import load_template

pytestmark = pytest.mark.usefixtures("catalog", "selcom_sim")
TEMPLATE = load_template()
PUBLIC = {"GET /api/health", "POST /api/auth/register", "POST /api/auth/login", "POST /api/auth/refresh",
          "POST /api/auth/password/forgot", "POST /api/auth/password/reset",
          "GET /api/templates", "POST /api/payments/callback", "GET /api/public/cvs/{slug}"}
ANONYMOUS_OK = {"POST /api/cvs", "GET /api/cvs", "GET /api/cvs/{id}", "PUT /api/cvs/{id}", "DELETE /api/cvs/{id}",
                "POST /api/cvs/{id}/duplicate", "POST /api/uploads/presigned-url",
                "POST /api/cvs/{id}/share", "DELETE /api/cvs/{id}/share", "GET /api/cvs/{id}/share/views"}
SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
BODIES = {"PUT /api/cvs/{id}": {"title": "stolen"}, "POST /api/uploads/presigned-url":
          {"purpose": "cv_photo", "content_type": "image/png", "size": 10}}


@pytest.fixture
def world(api, selcom_sim):
    """Amina owns a paid CV with a completed payment; Baraka is another user."""
    def register(name, phone):
        return api.post("/api/auth/register", json={"full_name": name, "email": f"{name}@example.com",
                                                    "password": "correct horse battery", "phone_number": phone}).data
    amina, baraka = register("amina", "0754000111"), register("baraka", "0754000222")
    cv = api.post("/api/cvs", json={"template_id": "classic-navy", "content": {}}, token=amina["access_token"]).data["cv"]
    ref = api.post("/api/payments/initiate", json={"cv_id": cv["id"], "method": "card"},
                   token=amina["access_token"]).data["payment"]["reference"]
    selcom_sim.pay(ref)
    api.post("/api/payments/callback", json={"order_id": ref})
    return {"amina": amina, "baraka": baraka, "cv_id": cv["id"], "ref": ref}


def concrete(path: str, world) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: world["ref"] if m.group(1) in ("reference",) or "receipt" in path
                  else world["cv_id"], path)


def user_routes():
    return [r for r in TEMPLATE.routes if r.route_key not in PUBLIC and not r.path.startswith("/api/admin")]


@pytest.mark.parametrize("route", [r for r in user_routes() if "{" in r.path], ids=lambda r: r.route_key)
def test_another_persons_object_is_404(api, world, route):
    path = concrete(route.path, world)
    body = BODIES.get(route.route_key)
    as_baraka = api.request(route.method, path, json_body=body, token=world["baraka"]["access_token"])
    assert as_baraka.status == 404, (route.route_key, as_baraka.status, as_baraka.body)
    if route.route_key in ANONYMOUS_OK:
        as_stranger = api.request(route.method, path, json_body=body, headers={"x-anonymous-id": str(uuid.uuid4())})
        assert as_stranger.status == 404
    # ...and the owner still has it, unchanged.
    from chapchap.data import cvs
    assert cvs.get(world["cv_id"])["title"] != "stolen" and not cvs.get(world["cv_id"]).get("deleted_at")


def bad_tokens(world):
    claims = jwt.decode(world["baraka"]["access_token"], options={"verify_signature": False})
    now = int(time.time())
    return {
        "other key": jwt.encode(claims, "another-secret-key-another-secret-key-0000", algorithm="HS256"),
        "alg none": jwt.encode(claims, None, algorithm="none"),
        "expired": jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, SECRET, algorithm="HS256"),
        "unknown session": jwt.encode({**claims, "sid": "nope"}, SECRET, algorithm="HS256"),
        "garbage": "not.a.jwt",
    }


@pytest.mark.parametrize("route", user_routes() + [r for r in TEMPLATE.routes if r.path.startswith("/api/admin")],
                         ids=lambda r: r.route_key)
def test_bad_tokens_are_401_on_every_protected_route(api, world, route):
    path = concrete(route.path, world)
    for name, token in bad_tokens(world).items():
        reply = api.request(route.method, path, json_body=BODIES.get(route.route_key, {}), token=token)
        assert reply.status == 401, (route.route_key, name, reply.status)
        assert reply.error["code"] in ("INVALID_TOKEN", "TOKEN_EXPIRED")


def test_deleted_users_token_is_401(api, world):
    from chapchap.data import table, users
    table.client().delete_item(TableName=table.table_name(), Key=table.key(*users.user_key(world["baraka"]["user"]["id"])))
    for route in user_routes():
        reply = api.request(route.method, concrete(route.path, world), json_body=BODIES.get(route.route_key, {}),
                            token=world["baraka"]["access_token"])
        assert reply.status == 401, route.route_key


@pytest.mark.parametrize("route", [r for r in TEMPLATE.routes if r.path.startswith("/api/admin")],
                         ids=lambda r: r.route_key)
def test_user_tokens_on_admin_routes_are_403(api, world, route):
    path = re.sub(r"\{\w+\}", "x", route.path)
    reply = api.request(route.method, path, json_body={}, token=world["amina"]["access_token"])
    assert reply.status == 403, (route.route_key, reply.status)


@pytest.mark.parametrize("image", ["photos/anon/{me}/../{other}/x.png", "photos/anon/{other}/x.png",
                                   "photos/user/{me}/x.png", "/photos/anon/{me}/x.png", "photos/anon/{me}//x.png",
                                   "pdfs/anon/{me}/x.pdf"])
def test_upload_keys_cannot_leave_the_owners_prefix(api, image):
    me, other = str(uuid.uuid4()), str(uuid.uuid4())
    content = {"basics": {"image": image.format(me=me, other=other)}}
    reply = api.post("/api/cvs", json={"template_id": "classic-navy", "content": content}, headers={"x-anonymous-id": me})
    assert reply.status == 422, image


def test_presigned_urls_expire_within_minutes(api, world):
    token = world["amina"]["access_token"]
    receipt = api.get(f"/api/payments/{world['ref']}/receipt", token=token).data
    assert int(parse_qs(urlsplit(receipt["url"]).query)["X-Amz-Expires"][0]) <= 300
    upload = api.post("/api/uploads/presigned-url", json=BODIES["POST /api/uploads/presigned-url"], token=token).data
    import base64
    import json
    from datetime import datetime, timezone
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert 0 < (expires - datetime.now(timezone.utc)).total_seconds() <= 300
