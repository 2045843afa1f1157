"""Share links of paid CVs (POST/DELETE /api/cvs/{id}/share, GET /api/cvs/{id}/share/views,
GET /api/public/cvs/{slug}), through the real handlers against moto: the link, its QR codes
read back with a standard QR reader, the public page without an account, views counted once
per viewer, nothing personal stored or shown, and a constant number of DynamoDB calls."""
from __future__ import annotations

import io
import json
import uuid
from urllib.parse import unquote, urlparse

import pytest

from tests.support.shop import new_cv, pay, register, render_queued

pytestmark = pytest.mark.usefixtures("catalog")

ADDRESS = "196.249.97.12"
PHONE_UA = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"
DESKTOP_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
CONTENT = {"basics": {"name": "Amina Juma", "label": "Mhasibu (Accountant)", "email": "amina.private@example.com",
                      "phone": "+255754321987"}}


def fetch(url: str) -> bytes:
    """The object a presigned link names, from moto's bucket (the link itself is fetched over
    HTTP in tests/integration/test_share_http.py)."""
    from chapchap import storage

    path = unquote(urlparse(url).path).lstrip("/")
    bucket = storage.bucket()
    return storage.get(path[len(bucket) + 1:] if path.startswith(bucket + "/") else path)


def all_items() -> list[dict]:
    """Every item of the table (a test may Scan: it proves what is stored)."""
    import boto3

    from chapchap.data import table

    client = boto3.client("dynamodb")
    items, start = [], None
    while True:
        kwargs = {"TableName": table.table_name(), **({"ExclusiveStartKey": start} if start else {})}
        page = client.scan(**kwargs)
        items += [table.deserialize(i) for i in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


@pytest.fixture
def paid(api, selcom_sim, queue_messages):
    """A user with a paid CV whose PDF is rendered: {token, user, cv_id}."""
    def make(email="amina@example.com", *, rendered=True):
        user = register(api, email)
        cv = new_cv(api, user["access_token"])
        assert api.put(f"/api/cvs/{cv['id']}", json={"content": CONTENT}, token=user["access_token"]).status == 200
        pay(api, selcom_sim, user["access_token"], cv["id"])
        if rendered:
            render_queued(queue_messages)
        return {"token": user["access_token"], "user": user["user"], "cv_id": cv["id"]}
    return make


def visit(api, slug: str, *, ua: str = PHONE_UA, address: str = ADDRESS, headers: dict | None = None):
    return api.get(f"/api/public/cvs/{slug}", headers={"user-agent": ua, **(headers or {})}, source_ip=address)


# ---------------------------------------------------------------- the link and its QR codes
def test_a_paid_cv_gets_one_link_with_qr_codes_that_read_back(api, paid):
    import zxingcpp
    from PIL import Image

    from chapchap.settings import settings

    owner = paid()
    first = api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"])
    assert first.status == 201, first.body
    share = first.data["share"]
    slug = share["slug"]
    assert len(slug) == 16 and all(c.isalnum() or c in "-_" for c in slug)  # 96 bits, URL-safe
    assert share["url"] == f"{settings().frontend_base_url}/s/{slug}"
    assert share["views"] == 0 and share["created_at"].endswith("Z")
    prefix = f"shares/user/{owner['user']['id']}/{owner['cv_id']}/{slug}"
    assert f"{prefix}.svg" in unquote(share["qr_svg_url"]) and f"{prefix}.png" in unquote(share["qr_png_url"])
    assert "X-Amz-Expires=300" in share["qr_png_url"]

    png = fetch(share["qr_png_url"])
    read = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [r.text for r in read] == [share["url"]] and read[0].format == zxingcpp.BarcodeFormat.QRCode
    svg = fetch(share["qr_svg_url"])
    assert svg.lstrip().startswith(b"<svg") and b"</svg>" in svg

    again = api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"])
    assert again.status == 200 and again.data["share"]["slug"] == slug and again.data["share"]["url"] == share["url"]


def test_two_shares_at_once_make_one_link(api, paid, monkeypatch):
    from chapchap.cvs import sharing
    from chapchap.data import cvs as cv_data

    owner = paid()
    stale = cv_data.get(owner["cv_id"])  # what a second request read before the first one's write
    first = api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"]).data["share"]["slug"]
    real, reads = sharing._paid, []

    def racing(who, cv_id):
        reads.append(cv_id)
        return stale if len(reads) == 1 else real(who, cv_id)

    monkeypatch.setattr(sharing, "_paid", racing)
    reply = api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"])
    assert reply.status == 200 and reply.data["share"]["slug"] == first, reply.body
    assert len(reads) == 2
    links = [i for i in all_items() if i["pk"].startswith("SHARE#") and i["sk"] == "SHARE"]
    assert [i["slug"] for i in links] == [first]


def test_unpaid_cvs_get_402_and_strangers_get_404(api, paid):
    owner = paid()
    unpaid = new_cv(api, owner["token"])
    reply = api.post(f"/api/cvs/{unpaid['id']}/share", token=owner["token"])
    assert reply.status == 402 and reply.error["code"] == "PAYMENT_REQUIRED", reply.body
    assert api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"]).status == 201
    stranger = register(api, "stranger@example.com")["access_token"]
    anon = {"x-anonymous-id": str(uuid.uuid4())}
    for reply in (api.post(f"/api/cvs/{owner['cv_id']}/share", token=stranger),
                  api.delete(f"/api/cvs/{owner['cv_id']}/share", token=stranger),
                  api.get(f"/api/cvs/{owner['cv_id']}/share/views", token=stranger),
                  api.post(f"/api/cvs/{owner['cv_id']}/share", headers=anon),
                  api.post(f"/api/cvs/{uuid.uuid4()}/share", token=owner["token"])):
        assert reply.status == 404 and reply.error["code"] == "NOT_FOUND", reply.body
    assert api.post(f"/api/cvs/{owner['cv_id']}/share").status == 401
    # The stranger's revoke did nothing.
    assert api.get(f"/api/cvs/{owner['cv_id']}/share/views", token=owner["token"]).status == 200


def test_an_anonymous_owner_of_a_paid_cv_shares_it_too(api):
    from chapchap.data import cvs as cv_data
    from chapchap.data import table

    anon = {"x-anonymous-id": str(uuid.uuid4())}
    cv = new_cv(api, None, headers=anon)
    table.update(*cv_data.cv_key(cv["id"]), "SET is_paid = :yes", yes=True)  # as an admin would
    reply = api.post(f"/api/cvs/{cv['id']}/share", headers=anon)
    assert reply.status == 201, reply.body
    assert f"shares/anon/{anon['x-anonymous-id']}/{cv['id']}/" in unquote(reply.data["share"]["qr_png_url"])


# ---------------------------------------------------------------- the public page
def test_the_link_opens_without_an_account_and_shows_nothing_personal(api, paid):
    owner = paid()
    slug = api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"]).data["share"]["slug"]
    reply = visit(api, slug)
    assert reply.status == 200, reply.body
    data = reply.data
    assert set(data) == {"name", "label", "template_id", "pdf_url", "expires_at"}
    assert data["name"] == "Amina Juma" and data["label"] == "Mhasibu (Accountant)"
    assert data["template_id"] == "classic-navy"
    assert fetch(data["pdf_url"])[:5] == b"%PDF-" and "X-Amz-Expires=300" in data["pdf_url"]
    text = json.dumps(reply.body)
    for secret in (owner["user"]["email"], owner["user"]["id"], owner["cv_id"], "0754321987", "255754321987",
                   "amina.private@example.com"):
        assert secret not in text
    assert reply.headers["cache-control"] == "no-store"


def test_unknown_revoked_and_deleted_links_are_404_and_a_new_share_is_a_new_slug(api, paid):
    owner = paid()
    path = f"/api/cvs/{owner['cv_id']}/share"
    slug = api.post(path, token=owner["token"]).data["share"]["slug"]
    assert visit(api, slug).status == 200
    for unknown in ("A" * 16, "short", "x" * 200, "%2e%2e"):
        reply = visit(api, unknown)
        assert reply.status == 404 and reply.error["code"] == "NOT_FOUND", reply.body
    assert api.delete(path, token=owner["token"]).status == 204
    assert visit(api, slug).status == 404
    assert api.delete(path, token=owner["token"]).status == 204  # nothing left to revoke: still 204
    from chapchap import storage
    for prefix in ("shares/", "public/"):  # the revoked link's QR codes and PDF copy went with it
        assert storage.client().list_objects_v2(Bucket=storage.bucket(), Prefix=prefix).get("KeyCount") == 0
    fresh = api.post(path, token=owner["token"])
    assert fresh.status == 201 and fresh.data["share"]["slug"] != slug and fresh.data["share"]["views"] == 0
    assert visit(api, slug).status == 404 and visit(api, fresh.data["share"]["slug"]).status == 200
    assert api.delete(f"/api/cvs/{owner['cv_id']}", token=owner["token"]).status == 204
    assert visit(api, fresh.data["share"]["slug"]).status == 404


def test_a_cv_no_longer_paid_or_without_an_owner_is_404(api, paid):
    from chapchap.data import cvs as cv_data
    from chapchap.data import table

    owner = paid()
    slug = api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"]).data["share"]["slug"]
    table.update(*cv_data.cv_key(owner["cv_id"]), "SET is_paid = :no", no=False)
    assert visit(api, slug).status == 404
    table.update(*cv_data.cv_key(owner["cv_id"]), "SET is_paid = :yes REMOVE user_id", yes=True)
    assert visit(api, slug).status == 404


def test_a_cv_never_rendered_answers_202_and_asks_for_its_pdf_once(api, paid, queue_messages):
    owner = paid(rendered=False)
    queue_messages()  # the payment's own render request, lost
    from chapchap.data import cvs as cv_data
    from chapchap.data import table
    table.update(*cv_data.cv_key(owner["cv_id"]), "SET pdf_status = :failed", failed="failed")
    slug = api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"]).data["share"]["slug"]
    first = visit(api, slug)
    assert first.status == 202 and first.data == {"status": "rendering"}, first.body
    assert visit(api, slug, ua=DESKTOP_UA).status == 202
    job = {"cv_id": owner["cv_id"], "version": cv_data.get(owner["cv_id"])["content_version"]}
    assert queue_messages() == [job]  # once, not per visit
    render_queued(lambda: [job])
    assert visit(api, slug).status == 200


def test_after_an_edit_the_link_serves_the_last_pdf_until_the_new_one_is_ready(api, paid, queue_messages):
    from chapchap import storage
    from chapchap.data import cvs as cv_data

    owner = paid()
    slug = api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"]).data["share"]["slug"]
    v1 = storage.get(cv_data.get(owner["cv_id"])["pdf_key"])
    assert fetch(visit(api, slug).data["pdf_url"]) == v1
    edited = {"basics": {**CONTENT["basics"], "label": "Senior Accountant"}}
    assert api.put(f"/api/cvs/{owner['cv_id']}", json={"content": edited}, token=owner["token"]).status == 200
    reply = visit(api, slug)
    assert reply.status == 200 and fetch(reply.data["pdf_url"]) == v1
    assert reply.data["label"] == "Senior Accountant"  # the words are the current ones
    render_queued(queue_messages)
    assert fetch(visit(api, slug).data["pdf_url"]) == storage.get(cv_data.get(owner["cv_id"])["pdf_key"]) != v1


# ---------------------------------------------------------------- views
def test_one_viewer_counts_once_per_half_hour_and_others_count(api, paid, monkeypatch):
    from datetime import timedelta

    from chapchap import clock

    owner = paid()
    share = api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"]).data["share"]
    slug = share["slug"]
    tz = {"cloudfront-viewer-country": "tz", "referer": "https://web.whatsapp.com/chat/123?phone=255754321987"}
    assert visit(api, slug, headers=tz).status == 200
    assert visit(api, slug, headers=tz).status == 200  # the same viewer: not counted again
    assert visit(api, slug, ua=DESKTOP_UA).status == 200  # another browser at the same address
    assert visit(api, slug, address="41.59.1.1").status == 200  # the same browser elsewhere
    assert visit(api, slug, ua="Googlebot/2.1 (+http://www.google.com/bot.html)").status == 200
    views = api.get(f"/api/cvs/{owner['cv_id']}/share/views", token=owner["token"])
    assert views.status == 200, views.body
    assert views.body["meta"]["total"] == 4 and len(views.data) == 4
    assert [v["device"] for v in views.data] == ["bot", "mobile", "desktop", "mobile"]  # newest first
    oldest = views.data[-1]
    assert oldest == {"at": oldest["at"], "referrer_host": "web.whatsapp.com", "country": "TZ", "device": "mobile"}
    assert views.data[0]["referrer_host"] is None and views.data[0]["country"] is None
    assert api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"]).data["share"]["views"] == 4

    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(minutes=31))
    assert visit(api, slug, headers=tz).status == 200  # half an hour later: a view again
    assert api.get(f"/api/cvs/{owner['cv_id']}/share/views", token=owner["token"]).body["meta"]["total"] == 5


def test_views_page_with_a_cursor_and_a_revoked_link_has_none(api, paid):
    owner = paid()
    slug = api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"]).data["share"]["slug"]
    for n in range(5):
        assert visit(api, slug, address=f"41.59.2.{n}").status == 200
    path = f"/api/cvs/{owner['cv_id']}/share/views"
    first = api.get(path, token=owner["token"], query="limit=3")
    assert len(first.data) == 3 and first.body["meta"]["total"] == 5 and first.body["meta"]["next_cursor"]
    rest = api.get(path, token=owner["token"], query=f"limit=3&cursor={first.body['meta']['next_cursor']}")
    assert len(rest.data) == 2
    ats = [v["at"] for v in first.data + rest.data]
    assert ats == sorted(ats, reverse=True)
    stranger = register(api, "other@example.com")["access_token"]
    assert api.get(path, token=stranger, query=f"cursor={first.body['meta']['next_cursor']}").status == 404
    assert api.get(path, token=owner["token"], query="cursor=forged.cursor").status == 400
    assert api.delete(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"]).status == 204
    gone = api.get(path, token=owner["token"])
    assert gone.status == 404 and gone.error["code"] == "NOT_FOUND"
    # A new link starts from nothing.
    assert api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"]).status == 201
    fresh = api.get(path, token=owner["token"])
    assert fresh.status == 200 and fresh.data == [] and fresh.body["meta"]["total"] == 0


def test_no_item_holds_the_address_or_the_user_agent(api, paid):
    owner = paid()
    slug = api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"]).data["share"]["slug"]
    address = "102.223.7.201"
    for ua in (PHONE_UA, DESKTOP_UA):
        assert visit(api, slug, address=address, ua=ua).status == 200
    stored = json.dumps(all_items())
    assert address not in stored and "102.223" not in stored and "SM-A145F" not in stored


def test_public_requests_are_throttled_per_address(api, paid, monkeypatch):
    from chapchap.cvs import sharing

    monkeypatch.setattr(sharing, "PUBLIC_LIMIT", 3)
    owner = paid()
    slug = api.post(f"/api/cvs/{owner['cv_id']}/share", token=owner["token"]).data["share"]["slug"]
    assert [visit(api, s).status for s in (slug, "B" * 16, slug)] == [200, 404, 200]  # guesses count too
    refused = visit(api, slug)
    assert refused.status == 429 and refused.error["code"] == "TOO_MANY_REQUESTS"
    assert 1 <= int(refused.headers["retry-after"]) <= sharing.PUBLIC_WINDOW_SECONDS
    assert visit(api, slug, address="41.59.3.3").status == 200  # another address is not held up


@pytest.mark.parametrize("ua,device", [
    (PHONE_UA, "mobile"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148", "mobile"),
    ("Mozilla/5.0 (Mobile; Nokia 8110 4G; rv:48.0) Gecko/48.0 Firefox/48.0 KAIOS/2.5", "mobile"),
    ("Opera/9.80 (J2ME/MIDP; Opera Mini/4.2.14912/870; U; en) Presto/2.4.15", "mobile"),
    ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15", "tablet"),
    ("Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", "tablet"),
    (DESKTOP_UA, "desktop"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15", "desktop"),
    ("Googlebot/2.1 (+http://www.google.com/bot.html)", "bot"),
    ("WhatsApp/2.23.20.0", "bot"),
    ("curl/8.5.0", "bot"),
    ("", "bot"),
])
def test_device_classes(ua, device):
    from chapchap.cvs import sharing

    assert sharing.device(ua) == device


def test_referrer_host_and_country_keep_only_what_they_say():
    from chapchap.cvs import sharing

    assert sharing.referrer_host("https://WWW.Facebook.com/some/path?fbclid=x") == "www.facebook.com"
    assert sharing.referrer_host("android-app://com.whatsapp/") == "com.whatsapp"
    for junk in ("", "not a url", "http://[::1", "https://exa mple.com/"):
        assert sharing.referrer_host(junk) is None
    assert sharing.country("tz") == "TZ" and sharing.country("XXX") is None and sharing.country("") is None


# ---------------------------------------------------------------- DynamoDB calls per request
def test_calls_per_request_are_constant(api, paid, ddb_calls):
    owner = paid()
    path = f"/api/cvs/{owner['cv_id']}/share"
    with ddb_calls() as c:
        slug = api.post(path, token=owner["token"]).data["share"]["slug"]
    # guard (user + session), the CV, the link and the CV's pointer in one transaction
    assert dict(c) == {"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}
    with ddb_calls() as c:
        assert api.post(path, token=owner["token"]).status == 200
    assert dict(c) == {"BatchGetItem": 1, "GetItem": 2}  # + the live link
    with ddb_calls() as c:
        assert visit(api, slug, address="41.59.6.1").status == 200
    # the first view after a render also notes which PDF the public copy holds
    assert dict(c) == {"UpdateItem": 2, "GetItem": 2, "TransactWriteItems": 1}
    for many in range(2):  # the cost of a view is the same after many views
        for n in range(4 + 10 * many):
            visit(api, slug, address=f"41.59.4.{n}")
        with ddb_calls() as c:
            assert visit(api, slug, address=f"41.59.5.{many}").status == 200
        # throttle window, the link, the CV, the view's transaction
        assert dict(c) == {"UpdateItem": 1, "GetItem": 2, "TransactWriteItems": 1}
        with ddb_calls() as c:
            reply = api.get(f"{path}/views", token=owner["token"], query="limit=5")
        assert len(reply.data) == 5
        assert dict(c) == {"BatchGetItem": 1, "GetItem": 2, "Query": 1} and c.total_items_read <= 2 + 2 + 5
    with ddb_calls() as c:
        assert api.delete(path, token=owner["token"]).status == 204
    assert dict(c) == {"BatchGetItem": 1, "GetItem": 2, "TransactWriteItems": 1}
