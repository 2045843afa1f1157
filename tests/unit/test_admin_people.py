"""Admin endpoints for users, CVs and the audit log, through their real handlers against moto.

Times are frozen by patching `chapchap.clock.now` around the writes that must happen at a
given instant (account creation, sign-ins, CV creation); tokens used afterwards were issued
at the real time, so they stay valid. Dar es Salaam is UTC+3: 20:30 UTC on 31 January is
23:30 on the 31st there, 21:30 UTC is 00:30 on 1 February.
"""
from __future__ import annotations

import contextlib
from datetime import datetime, timezone

import pytest

from chapchap import clock
from tests.support.contract import CheckedApi

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
def api():
    """Every reply of these flows must be one openapi.json documents, with a body its schema accepts."""
    return CheckedApi()


ADMIN = {"email": "root@cvchapchap.local", "password": "Root-Admin-Pass-1"}
PASSWORD = "correct horse battery"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def frozen():
    """`with frozen(moment):` makes the code under test see that instant as now."""

    @contextlib.contextmanager
    def at(moment: datetime):
        patch = pytest.MonkeyPatch()
        patch.setattr(clock, "now", lambda: moment)
        try:
            yield
        finally:
            patch.undo()

    return at


def login(api, email, password=PASSWORD):
    reply = api.post("/api/auth/login", json={"email": email, "password": password})
    assert reply.status == 200, reply.body
    return reply.data


@pytest.fixture
def admin(aws, api):
    from chapchap.auth.accounts import ensure_admin

    ensure_admin(ADMIN["email"], ADMIN["password"])
    data = login(api, ADMIN["email"], ADMIN["password"])
    return {"token": data["access_token"], "id": data["user"]["id"]}


def register(api, email="amina@example.com", **extra):
    reply = api.post("/api/auth/register", json={"full_name": "Amina Juma", "email": email, "password": PASSWORD,
                                                 **extra})
    assert reply.status == 201, reply.body
    return reply.data


def new_user(api, admin, email, role="user", **extra):
    reply = api.post("/api/admin/users", json={"full_name": email.split("@")[0].title(), "email": email,
                                               "password": PASSWORD, "role": role, **extra}, token=admin["token"])
    assert reply.status == 201, reply.body
    return reply.data["user"]


def new_cv(api, token=None, template_id="classic-navy", title=None):
    body = {"template_id": template_id, "content": {"basics": {"name": "Amina Juma"}}}
    if title:
        body["title"] = title
    headers = None if token else {"x-anonymous-id": "5b0a3c52-8a43-4c39-9d55-2f3c1b1f0c11"}
    reply = api.post("/api/cvs", json=body, token=token, headers=headers)
    assert reply.status == 201, reply.body
    return reply.data["cv"]


def walk(api, path, token, query="", limit=2):
    """Every item of a list, page by page; returns (items, number of pages)."""
    seen, cursor, pages = [], None, 0
    while True:
        q = "&".join(p for p in (query, f"limit={limit}", f"cursor={cursor}" if cursor else "") if p)
        reply = api.get(path, token=token, query=q)
        assert reply.status == 200, reply.body
        assert reply.body["meta"]["limit"] == limit
        seen += reply.data
        pages += 1
        cursor = reply.body["meta"]["next_cursor"]
        if not cursor:
            return seen, pages
        assert pages < 200


def audit_entries(api, admin, query=""):
    reply = api.get("/api/admin/audit", token=admin["token"], query=query)
    assert reply.status == 200, reply.body
    return reply.data


# ---------------------------------------------------------------- who may call
ROUTES = [
    ("GET", "/api/admin/users", None),
    ("POST", "/api/admin/users", {"full_name": "X", "email": "x@example.com", "password": PASSWORD}),
    ("GET", "/api/admin/users/{user}", None),
    ("PUT", "/api/admin/users/{user}", {"full_name": "Renamed"}),
    ("DELETE", "/api/admin/users/{user}", None),
    ("GET", "/api/admin/users/{user}/cvs", None),
    ("GET", "/api/admin/cvs", None),
    ("GET", "/api/admin/cvs/{cv}", None),
    ("PUT", "/api/admin/cvs/{cv}", {"title": "Renamed"}),
    ("DELETE", "/api/admin/cvs/{cv}", None),
    ("GET", "/api/admin/audit", None),
]


def test_every_admin_route_refuses_users_and_strangers(api, admin):
    user = register(api)
    cv = new_cv(api, user["access_token"])
    for method, path, body in ROUTES:
        path = path.format(user=user["user"]["id"], cv=cv["id"])
        anonymous = api.request(method, path, json_body=body)
        assert anonymous.status == 401, (method, path, anonymous.body)
        forbidden = api.request(method, path, json_body=body, token=user["access_token"])
        assert forbidden.status == 403 and forbidden.error["code"] == "FORBIDDEN", (method, path, forbidden.body)
        if body is not None:  # the role is checked before the body: a bad body teaches a user nothing
            assert api.request(method, path, json_body={"role": "admin", "x": 1},
                               token=user["access_token"]).status == 403
            assert api.request(method, path, body="{not json", token=user["access_token"]).status == 403
            assert api.request(method, path, body="{not json").status == 401
    # Nothing changed.
    shown = api.get(f"/api/admin/users/{user['user']['id']}", token=admin["token"]).data["user"]
    assert shown["full_name"] == "Amina Juma"
    assert api.get(f"/api/admin/cvs/{cv['id']}", token=admin["token"]).data["cv"]["deleted_at"] is None


def test_a_demoted_admin_loses_access_on_the_next_call(api, admin):
    second = new_user(api, admin, "deputy@cvchapchap.local", role="admin")
    token = login(api, "deputy@cvchapchap.local")["access_token"]
    assert api.get("/api/admin/users", token=token).status == 200
    reply = api.put(f"/api/admin/users/{second['id']}", json={"role": "user"}, token=admin["token"])
    assert reply.status == 200 and reply.data["user"]["role"] == "user"
    denied = api.get("/api/admin/users", token=token)  # same, still unexpired access token
    assert denied.status == 403 and denied.error["code"] == "FORBIDDEN"
    assert api.get("/api/auth/me", token=token).status == 200  # still a signed-in user


def test_an_admin_cannot_demote_suspend_or_delete_themselves(api, admin):
    for body in ({"role": "user"}, {"status": "suspended"}):
        reply = api.put(f"/api/admin/users/{admin['id']}", json=body, token=admin["token"])
        assert reply.status == 409 and reply.error["code"] == "OWN_ACCOUNT", reply.body
        assert "another administrator" in reply.error["message"]
    reply = api.delete(f"/api/admin/users/{admin['id']}", token=admin["token"])
    assert reply.status == 409 and reply.error["code"] == "OWN_ACCOUNT"
    # Renaming oneself is fine.
    assert api.put(f"/api/admin/users/{admin['id']}", json={"full_name": "Root"}, token=admin["token"]).status == 200
    assert api.get("/api/admin/users", token=admin["token"]).status == 200


# ---------------------------------------------------------------- users: create, read, update, delete
def test_create_user_or_admin(api, admin):
    reply = api.post("/api/admin/users", json={"full_name": "Neema Mushi", "email": "Neema@Example.com",
                                               "password": PASSWORD, "phone_number": "0754 100 300", "role": "admin"},
                     token=admin["token"])
    assert reply.status == 201, reply.body
    user = reply.data["user"]
    assert user["email"] == "neema@example.com" and user["role"] == "admin" and user["status"] == "active"
    assert user["phone_number"] == "255754100300" and user["last_login"] is None
    assert "password_hash" not in user
    # The new admin can sign in and use the admin API.
    assert api.get("/api/admin/users", token=login(api, "neema@example.com")["access_token"]).status == 200
    taken = api.post("/api/admin/users", token=admin["token"],
                     json={"full_name": "Other", "email": "neema@example.com", "password": PASSWORD})
    assert taken.status == 409 and taken.error["code"] == "EMAIL_TAKEN"
    assert api.post("/api/admin/users", body="{not json", token=admin["token"]).error["code"] == "MALFORMED_JSON"
    for raw in ("", "[1, 2]", '"text"'):
        reply = api.post("/api/admin/users", body=raw, token=admin["token"])
        assert reply.status == 422 and reply.error["details"][0]["field"] == "body", raw
    reply = api.post("/api/admin/users", json={"full_name": "A", "email": "not-an-email", "password": PASSWORD},
                     token=admin["token"])
    assert reply.status == 422 and [d["field"] for d in reply.error["details"]] == ["email"]
    for bad in ({"full_name": "A", "email": "a@b.co", "password": "short"},
                {"full_name": "A", "email": "a@b.co", "password": PASSWORD, "role": "owner"},
                {"full_name": "A", "email": "a@b.co", "password": PASSWORD, "status": "active"}):
        assert api.post("/api/admin/users", json=bad, token=admin["token"]).status == 422
    from chapchap.data import counters
    assert counters.read([counters.total_key()])[counters.total_key()]["users"] == 1  # neema (ensure_admin counts none)
    [entry] = audit_entries(api, admin, "entity=user")
    assert entry["action"] == "user.create" and entry["actor_id"] == admin["id"] and entry["before"] is None
    assert entry["after"]["email"] == "neema@example.com" and "password_hash" not in entry["after"]


def test_update_user_and_its_audit_entry(api, admin):
    user = register(api, phone_number="0712345678")
    user_id = user["user"]["id"]
    reply = api.put(f"/api/admin/users/{user_id}", json={"full_name": "Amina J. Juma", "phone_number": None,
                                                        "role": "admin"}, token=admin["token"])
    assert reply.status == 200, reply.body
    shown = reply.data["user"]
    assert shown["full_name"] == "Amina J. Juma" and shown["phone_number"] is None and shown["role"] == "admin"
    assert api.get(f"/api/admin/users/{user_id}", token=admin["token"]).data["user"] == shown
    [entry] = audit_entries(api, admin, f"entity=user&actor_id={admin['id']}")
    assert entry["action"] == "user.update" and entry["entity_id"] == user_id
    assert entry["before"]["full_name"] == "Amina Juma" and entry["before"]["phone_number"] == "255712345678"
    assert entry["after"]["full_name"] == "Amina J. Juma" and entry["after"]["role"] == "admin"
    assert "password_hash" not in entry["before"] and "password_hash" not in entry["after"]
    # A change to nothing writes nothing.
    assert api.put(f"/api/admin/users/{user_id}", json={"role": "admin"}, token=admin["token"]).status == 200
    assert len(audit_entries(api, admin)) == 1
    for bad in ({"role": "root"}, {"status": "banned"}, {"email": "new@example.com"}, {"full_name": None},
                {"password": PASSWORD}):
        assert api.put(f"/api/admin/users/{user_id}", json=bad, token=admin["token"]).status == 422, bad


def test_suspension_ends_every_session(api, admin):
    user = register(api)
    user_id, token = user["user"]["id"], user["access_token"]
    assert api.put(f"/api/admin/users/{user_id}", json={"status": "suspended"}, token=admin["token"]).status == 200
    assert api.get("/api/auth/me", token=token).status == 401  # suspension ends the sessions
    assert api.post("/api/auth/login", json={"email": "amina@example.com", "password": PASSWORD}).status == 403
    assert api.post("/api/auth/refresh", json={"refresh_token": user["refresh_token"]}).status in (401, 403)
    assert api.put(f"/api/admin/users/{user_id}", json={"status": "active"}, token=admin["token"]).status == 200
    assert api.get("/api/auth/me", token=token).status == 401  # the old session stays ended
    assert api.get("/api/auth/me", token=login(api, "amina@example.com")["access_token"]).status == 200


def test_delete_user_keeps_cvs_unowned_and_payments(api, admin):
    from chapchap.data import table

    user = register(api)
    user_id, token = user["user"]["id"], user["access_token"]
    cvs = [new_cv(api, token, title=f"CV {n}") for n in range(3)]
    table.transact([table.put_op({"pk": "PAYMENT#CVTEST0001", "sk": "PAYMENT", "type": "payment", "user_id": user_id,
                                  "cv_id": cvs[0]["id"], "gsi1pk": f"USERPAY#{user_id}", "gsi1sk": "x"})])
    assert api.delete(f"/api/admin/users/{user_id}", token=admin["token"]).status == 204
    assert api.get(f"/api/admin/users/{user_id}", token=admin["token"]).status == 404
    assert api.delete(f"/api/admin/users/{user_id}", token=admin["token"]).status == 404
    assert api.get("/api/auth/me", token=token).status == 401  # the session died with the user
    for cv in cvs:
        kept = api.get(f"/api/admin/cvs/{cv['id']}", token=admin["token"]).data["cv"]
        assert kept["user_id"] is None and kept["former_user_id"] == user_id and kept["deleted_at"] is None
    assert table.get("PAYMENT#CVTEST0001", "PAYMENT")["user_id"] == user_id
    assert table.get("EMAIL#amina@example.com", "EMAIL") is None
    assert api.get(f"/api/admin/users/{user_id}/cvs", token=admin["token"]).status == 404
    # The email is free again, and the new account does not inherit the CVs.
    again = register(api)
    assert api.get("/api/cvs", token=again["access_token"]).data == []
    [entry] = audit_entries(api, admin, "entity=user")
    assert entry["action"] == "user.delete" and entry["before"]["email"] == "amina@example.com"
    assert entry["after"] is None


def test_unknown_ids_are_404(api, admin):
    for method, path, body in ROUTES:
        if "{" not in path:
            continue
        reply = api.request(method, path.format(user="no-such-user", cv="no-such-cv"), json_body=body,
                            token=admin["token"])
        assert reply.status == 404 and reply.error["code"] == "NOT_FOUND", (method, path, reply.body)


# ---------------------------------------------------------------- users: lists
# (when, email, role, status): creation times around the end of January, business time UTC+3.
PEOPLE = [
    (utc(2025, 12, 31, 21, 30), "dec31-late@example.com", "user", "active"),     # 1 Jan 00:30 in Dar
    (utc(2026, 1, 15, 9, 0), "mid-jan@example.com", "admin", "active"),
    (utc(2026, 1, 31, 20, 29), "jan31-2329@example.com", "user", "active"),     # 31 Jan 23:29
    (utc(2026, 1, 31, 20, 45), "jan31-2345@example.com", "user", "suspended"),  # 31 Jan 23:45
    (utc(2026, 1, 31, 21, 0), "feb01-0000@example.com", "admin", "active"),     # 1 Feb 00:00
    (utc(2026, 1, 31, 21, 30), "feb01-0030@example.com", "user", "active"),     # 1 Feb 00:30
    (utc(2026, 2, 1, 20, 59), "feb01-2359@example.com", "user", "suspended"),   # 1 Feb 23:59
    (utc(2026, 2, 1, 21, 0), "feb02-0000@example.com", "user", "active"),       # 2 Feb 00:00
    (utc(2026, 2, 20, 12, 0), "feb20@example.com", "admin", "suspended"),
]


@pytest.fixture
def people(api, admin, frozen):
    ids = {}
    for moment, email, role, status in PEOPLE:
        with frozen(moment):
            user = new_user(api, admin, email, role=role)
        ids[email] = user["id"]
        if status == "suspended":
            reply = api.put(f"/api/admin/users/{user['id']}", json={"status": "suspended"}, token=admin["token"])
            assert reply.status == 200
    return ids


def expected(first, last, role=None, status=None, newest_first=True):
    """Emails of PEOPLE created in the business days [first, last] (strings), in list order."""
    rows = [(m, e) for m, e, r, s in PEOPLE
            if first <= clock.business_date(m).isoformat() <= last and role in (None, r) and status in (None, s)]
    rows.sort(reverse=newest_first)
    return [e for _, e in rows]


@pytest.mark.parametrize("query, first, last, role, status", [
    ("from=2026-01-31&to=2026-02-01", "2026-01-31", "2026-02-01", None, None),
    ("from=2026-01-01&to=2026-01-31", "2026-01-01", "2026-01-31", None, None),
    ("from=2025-12-01&to=2026-03-31", "2025-12-01", "2026-03-31", None, None),
    ("from=2026-02-01&to=2026-02-01", "2026-02-01", "2026-02-01", None, None),
    ("from=2025-12-01&to=2026-03-31&role=admin", "2025-12-01", "2026-03-31", "admin", None),
    ("from=2025-12-01&to=2026-03-31&status=suspended", "2025-12-01", "2026-03-31", None, "suspended"),
    ("from=2026-01-31&to=2026-02-28&role=user&status=active", "2026-01-31", "2026-02-28", "user", "active"),
    ("from=2025-12-01&to=2026-03-31&role=admin&status=suspended", "2025-12-01", "2026-03-31", "admin", "suspended"),
])
@pytest.mark.parametrize("order", ["desc", "asc"])
def test_users_by_creation_date_and_filters_across_pages(api, admin, people, query, first, last, role, status, order):
    seen, _ = walk(api, "/api/admin/users", admin["token"], f"{query}&order={order}", limit=2)
    assert [u["email"] for u in seen] == expected(first, last, role, status, newest_first=order == "desc")
    assert all("password_hash" not in u for u in seen)


def test_users_by_last_login(api, admin, people, frozen):
    # Sign-ins near midnight in Dar es Salaam, and one suspended user who signed in before.
    sign_ins = [
        ("feb20@example.com", None),  # suspended: cannot sign in
        ("mid-jan@example.com", utc(2026, 3, 31, 20, 30)),        # 31 Mar 23:30
        ("jan31-2329@example.com", utc(2026, 3, 31, 21, 30)),     # 1 Apr 00:30
        ("feb02-0000@example.com", utc(2026, 4, 1, 9, 0)),        # 1 Apr 12:00
        ("dec31-late@example.com", utc(2026, 3, 31, 21, 0)),      # 1 Apr 00:00
        ("feb01-0000@example.com", utc(2026, 3, 15, 8, 0)),
    ]
    for email, moment in sign_ins:
        if moment:
            with frozen(moment):
                login(api, email)
    # A later sign-in moves the user: the index entry follows last_login.
    with frozen(utc(2026, 4, 2, 7, 0)):
        login(api, "feb01-0000@example.com")
    token = admin["token"]
    seen, _ = walk(api, "/api/admin/users", token, "sort=last_login&from=2026-03-31&to=2026-04-01")
    assert [u["email"] for u in seen] == ["feb02-0000@example.com", "jan31-2329@example.com",
                                          "dec31-late@example.com", "mid-jan@example.com"]
    assert seen[0]["last_login"] == "2026-04-01T09:00:00.000Z"
    seen, _ = walk(api, "/api/admin/users", token, "sort=last_login&from=2026-03-01&to=2026-04-30&order=asc")
    assert [u["email"] for u in seen] == ["mid-jan@example.com", "dec31-late@example.com", "jan31-2329@example.com",
                                          "feb02-0000@example.com", "feb01-0000@example.com"]
    seen, _ = walk(api, "/api/admin/users", token, "sort=last_login&from=2026-03-01&to=2026-04-30&role=admin")
    assert [u["email"] for u in seen] == ["feb01-0000@example.com", "mid-jan@example.com"]
    # Role and status changes move the entry to the right key.
    reply = api.put(f"/api/admin/users/{people['mid-jan@example.com']}", json={"status": "suspended", "role": "user"},
                    token=token)
    assert reply.status == 200
    seen, _ = walk(api, "/api/admin/users", token, "sort=last_login&from=2026-03-01&to=2026-04-30&status=suspended")
    assert [u["email"] for u in seen] == ["mid-jan@example.com"]
    seen, _ = walk(api, "/api/admin/users", token, "sort=last_login&from=2026-03-01&to=2026-04-30&role=admin")
    assert [u["email"] for u in seen] == ["feb01-0000@example.com"]
    seen, _ = walk(api, "/api/admin/users", token, "from=2026-01-01&to=2026-01-31&role=user&status=suspended")
    assert [u["email"] for u in seen] == ["jan31-2345@example.com", "mid-jan@example.com"]


def test_users_by_email_prefix(api, admin, people):
    token = admin["token"]
    reply = api.get("/api/admin/users", token=token, query="q=FEB01")
    assert [u["email"] for u in reply.data] == ["feb01-0000@example.com", "feb01-0030@example.com",
                                                "feb01-2359@example.com"]
    seen, _ = walk(api, "/api/admin/users", token, "q=feb&order=desc", limit=2)
    assert [u["email"] for u in seen] == ["feb20@example.com", "feb02-0000@example.com", "feb01-2359@example.com",
                                          "feb01-0030@example.com", "feb01-0000@example.com"]
    reply = api.get("/api/admin/users", token=token, query="q=feb&status=suspended")
    assert [u["email"] for u in reply.data] == ["feb01-2359@example.com", "feb20@example.com"]
    reply = api.get("/api/admin/users", token=token, query="q=feb&from=2026-02-01&to=2026-02-01")
    assert [u["email"] for u in reply.data] == ["feb01-0000@example.com", "feb01-0030@example.com",
                                                "feb01-2359@example.com"]
    assert api.get("/api/admin/users", token=token, query="q=zz").data == []
    for bad in ("q=", "q=%20", "q=feb&sort=last_login"):
        reply = api.get("/api/admin/users", token=token, query=bad)
        assert reply.status == 400 and reply.error["code"] == "BAD_QUERY", bad


def test_default_range_is_the_last_90_days(api, admin, people):
    emails = [u["email"] for u in api.get("/api/admin/users", token=admin["token"]).data]
    assert emails == [ADMIN["email"]]  # PEOPLE were created in early 2026, more than 90 days ago


@pytest.mark.parametrize("path, query, field", [
    ("/api/admin/users", "limit=0", "limit"),
    ("/api/admin/users", "limit=101", "limit"),
    ("/api/admin/users", "limit=ten", "limit"),
    ("/api/admin/users", "order=up", "order"),
    ("/api/admin/users", "sort=email", "sort"),
    ("/api/admin/users", "role=owner", "role"),
    ("/api/admin/users", "status=banned", "status"),
    ("/api/admin/users", "from=2026-13-01", "from"),
    ("/api/admin/users", "from=01-02-2026", "from"),
    ("/api/admin/users", "to=2026-02-30", "to"),
    ("/api/admin/users", "from=2026-03-01&to=2026-02-01", "from"),
    ("/api/admin/users", "from=2000-01-01&to=2026-01-01", "from"),
    ("/api/admin/users", "roles=admin", "roles"),
    ("/api/admin/users/{user}/cvs", "from=2026-01-01", "from"),
    ("/api/admin/cvs", "is_paid=yes", "is_paid"),
    ("/api/admin/cvs", "template_id=Not%20An%20Id", "template_id"),
    ("/api/admin/cvs", "sort=title", "sort"),
    ("/api/admin/audit", "entity=USER!", "entity"),
    ("/api/admin/audit", "actor_id=a%20b", "actor_id"),
    ("/api/admin/audit", "sort=at", "sort"),
])
def test_bad_query_values_are_400_with_details(api, admin, path, query, field):
    path = path.format(user=admin["id"])
    reply = api.get(path, token=admin["token"], query=query)
    assert reply.status == 400 and reply.error["code"] == "BAD_QUERY", reply.body
    assert field in [d["field"] for d in reply.error["details"]]


def test_cursors_are_bound_to_the_list_and_its_filters(api, admin, people):
    token = admin["token"]
    first = api.get("/api/admin/users", token=token, query="from=2025-12-01&to=2026-03-31&limit=2")
    cursor = first.body["meta"]["next_cursor"]
    assert cursor
    same = f"from=2025-12-01&to=2026-03-31&limit=2&cursor={cursor}"
    assert api.get("/api/admin/users", token=token, query=same).status == 200
    for other in ("from=2025-12-01&to=2026-03-31&role=user", "from=2025-12-02&to=2026-03-31",
                  "from=2025-12-01&to=2026-03-31&order=asc", "from=2025-12-01&to=2026-03-31&sort=last_login"):
        reply = api.get("/api/admin/users", token=token, query=f"{other}&limit=2&cursor={cursor}")
        assert reply.status == 400 and reply.error["code"] == "BAD_CURSOR", other
    for path in ("/api/admin/cvs", "/api/admin/audit", f"/api/admin/users/{admin['id']}/cvs"):
        assert api.get(path, token=token, query=f"from=2025-12-01&to=2026-03-31&cursor={cursor}"
                       if "users/" not in path else f"cursor={cursor}").status == 400
    assert api.get("/api/admin/users", token=token, query="cursor=forged.cursor").status == 400
    filtered = api.get("/api/admin/users", token=token, query="from=2025-12-01&to=2026-03-31&role=user&limit=1")
    cursor = filtered.body["meta"]["next_cursor"]
    assert api.get("/api/admin/users", token=token,
                   query=f"from=2025-12-01&to=2026-03-31&role=admin&limit=1&cursor={cursor}").status == 400


# ---------------------------------------------------------------- CVs
CV_ROWS = [  # (when, template, paid)
    (utc(2026, 1, 10, 8, 0), "modern-ocean", False),
    (utc(2026, 1, 31, 20, 30), "classic-navy", True),     # 31 Jan 23:30 in Dar
    (utc(2026, 1, 31, 20, 59), "modern-ocean", True),     # 31 Jan 23:59
    (utc(2026, 1, 31, 21, 0), "classic-navy", False),     # 1 Feb 00:00
    (utc(2026, 1, 31, 21, 30), "compact-ats", False),     # 1 Feb 00:30
    (utc(2026, 2, 1, 12, 0), "classic-navy", False),
    (utc(2026, 2, 14, 12, 0), "modern-ocean", False),
    (utc(2026, 3, 2, 6, 0), "classic-navy", True),
]


@pytest.fixture
def cv_rows(api, admin, frozen):
    from chapchap.data import table

    owner = register(api, email="owner@example.com")
    rows = []
    for moment, template_id, paid in CV_ROWS:
        with frozen(moment):
            cv = new_cv(api, owner["access_token"], template_id=template_id)
        if paid:  # paid as a payment would: the flag and the index entry together
            from chapchap.data import cvs as cv_data
            stored = cv_data.get(cv["id"])
            table.update(f"CV#{cv['id']}", "CV", "SET is_paid = :t, gsi3pk = :k", t=True,
                         k=cv_data.template_index(stored, is_paid=True)["gsi3pk"])
        rows.append({"id": cv["id"], "at": moment, "template_id": template_id, "paid": paid})
    return {"owner": owner, "rows": rows}


def expected_cvs(rows, first, last, template_id=None, paid=None, newest_first=True, by_template=False):
    kept = [r for r in rows if first <= clock.business_date(r["at"]).isoformat() <= last
            and template_id in (None, r["template_id"]) and paid in (None, r["paid"])]
    kept.sort(key=lambda r: r["at"], reverse=newest_first)
    if by_template:
        kept.sort(key=lambda r: r["template_id"])  # stable: time order kept within a template
    return [r["id"] for r in kept]


@pytest.mark.parametrize("query, args", [
    ("from=2026-01-31&to=2026-02-01", dict(first="2026-01-31", last="2026-02-01")),
    ("from=2026-01-01&to=2026-03-31", dict(first="2026-01-01", last="2026-03-31")),
    ("from=2026-01-01&to=2026-03-31&template_id=classic-navy", dict(first="2026-01-01", last="2026-03-31",
                                                                     template_id="classic-navy")),
    ("from=2026-01-31&to=2026-02-28&is_paid=false", dict(first="2026-01-31", last="2026-02-28", paid=False)),
    ("from=2026-01-01&to=2026-03-31&is_paid=true", dict(first="2026-01-01", last="2026-03-31", paid=True)),
    ("from=2026-01-01&to=2026-03-31&is_paid=true&template_id=classic-navy",
     dict(first="2026-01-01", last="2026-03-31", paid=True, template_id="classic-navy")),
    ("from=2026-01-01&to=2026-03-31&sort=template", dict(first="2026-01-01", last="2026-03-31", by_template=True)),
    ("from=2026-01-31&to=2026-02-01&sort=template&is_paid=false",
     dict(first="2026-01-31", last="2026-02-01", by_template=True, paid=False)),
])
@pytest.mark.parametrize("order", ["desc", "asc"])
def test_cvs_by_date_template_and_paid_state_across_pages(api, admin, cv_rows, query, args, order):
    seen, _ = walk(api, "/api/admin/cvs", admin["token"], f"{query}&order={order}", limit=2)
    assert [c["id"] for c in seen] == expected_cvs(cv_rows["rows"], newest_first=order == "desc", **args)
    assert all(c["user_id"] == cv_rows["owner"]["user"]["id"] for c in seen)


def test_template_index_follows_template_and_payment_changes(api, admin, cv_rows, frozen):
    from chapchap.payments import confirm
    from chapchap.data import payments as pay_data

    token, owner = admin["token"], cv_rows["owner"]
    rows = cv_rows["rows"]
    # The owner moves a CV to another template.
    moved = rows[5]
    reply = api.put(f"/api/cvs/{moved['id']}", json={"template_id": "compact-ats"}, token=owner["access_token"])
    assert reply.status == 200
    moved["template_id"] = "compact-ats"
    # A real payment completes for another one.
    paid = rows[6]
    cv = api.get(f"/api/admin/cvs/{paid['id']}", token=token).data["cv"]
    payment = pay_data.new_payment(reference="CVTESTPAY1", user=owner["user"], cv=cv, amount=7000, currency="TZS",
                                   method="card", phone="255712345678")
    from chapchap.data import table
    table.transact([table.put_op(payment)])
    assert confirm.complete(payment, transaction_id="T1", channel="card", selcom_reference="S1", source="test")
    paid["paid"] = True
    # A duplicate of a CV is unpaid, on the source's template, created now.
    for query, args in [
        ("from=2026-01-01&to=2026-03-31&template_id=compact-ats", dict(template_id="compact-ats")),
        ("from=2026-01-01&to=2026-03-31&template_id=classic-navy", dict(template_id="classic-navy")),
        ("from=2026-01-01&to=2026-03-31&is_paid=true", dict(paid=True)),
        ("from=2026-01-01&to=2026-03-31&sort=template", dict(by_template=True)),
    ]:
        seen, _ = walk(api, "/api/admin/cvs", token, query, limit=3)
        assert [c["id"] for c in seen] == expected_cvs(rows, "2026-01-01", "2026-03-31", **args), query
    copy = api.post(f"/api/cvs/{rows[0]['id']}/duplicate", token=owner["access_token"]).data["cv"]
    today = clock.business_date().isoformat()
    listed = api.get("/api/admin/cvs", token=token,
                     query=f"from={today}&to={today}&template_id=modern-ocean&is_paid=false")
    assert [c["id"] for c in listed.data] == [copy["id"]]


def test_mark_paid_and_unpaid_with_a_reason(api, admin, cv_rows, queue_messages):
    from chapchap.data import counters

    token = admin["token"]
    cv_id = cv_rows["rows"][0]["id"]  # modern-ocean, unpaid, 10 January

    def totals():
        found = counters.read([counters.total_key(), counters.template_key("modern-ocean")])
        return (found[counters.total_key()].get("paid_cvs", 0),
                found[counters.template_key("modern-ocean")].get("paid_cvs", 0))

    before = totals()
    missing = api.put(f"/api/admin/cvs/{cv_id}", json={"is_paid": True}, token=token)
    assert missing.status == 422 and missing.error["details"][0]["field"] == "reason"
    reply = api.put(f"/api/admin/cvs/{cv_id}", json={"is_paid": True, "reason": "Paid cash at the office, receipt 42"},
                    token=token)
    assert reply.status == 200, reply.body
    cv = reply.data["cv"]
    assert cv["is_paid"] is True and cv["pdf_status"] == "rendering"
    assert queue_messages() == [{"cv_id": cv_id, "version": 1}]
    assert totals() == (before[0] + 1, before[1] + 1)
    # Again: nothing changes, nothing is counted twice.
    again = api.put(f"/api/admin/cvs/{cv_id}", json={"is_paid": True, "reason": "Double click"}, token=token)
    assert again.status == 200 and totals() == (before[0] + 1, before[1] + 1) and queue_messages() == []
    listed = api.get("/api/admin/cvs", token=token, query="from=2026-01-10&to=2026-01-10&is_paid=true")
    assert [c["id"] for c in listed.data] == [cv_id]
    # The paid flag is real: the owner's download is now being rendered instead of 402.
    owner_token = cv_rows["owner"]["access_token"]
    assert api.get(f"/api/payments/download/{cv_id}", token=owner_token).status == 202
    reply = api.put(f"/api/admin/cvs/{cv_id}", json={"is_paid": False, "reason": "Cash was counterfeit"}, token=token)
    assert reply.status == 200 and reply.data["cv"]["is_paid"] is False
    assert totals() == before
    assert api.get(f"/api/payments/download/{cv_id}", token=owner_token).status == 402
    assert api.get("/api/admin/cvs", token=token, query="from=2026-01-10&to=2026-01-10&is_paid=true").data == []
    entries = audit_entries(api, admin, "entity=cv")
    assert [e["reason"] for e in entries] == ["Cash was counterfeit", "Paid cash at the office, receipt 42"]
    assert entries[1]["before"]["is_paid"] is False and entries[1]["after"]["is_paid"] is True
    assert entries[0]["before"]["is_paid"] is True and entries[0]["after"]["is_paid"] is False
    assert "content" not in entries[0]["after"]


def test_update_title_template_and_soft_delete(api, admin, cv_rows, queue_messages):
    token, owner = admin["token"], cv_rows["owner"]
    paid_cv = cv_rows["rows"][1]["id"]  # classic-navy, paid
    reply = api.put(f"/api/admin/cvs/{paid_cv}", json={"title": "Cleaned title", "template_id": "modern-kilimanjaro"},
                    token=token)
    assert reply.status == 200, reply.body
    assert reply.data["cv"]["template_id"] == "modern-kilimanjaro" and reply.data["cv"]["content_version"] == 2
    assert queue_messages() == [{"cv_id": paid_cv, "version": 2}]  # a paid CV's PDF is made again
    listed = api.get("/api/admin/cvs", token=token,
                     query="from=2026-01-31&to=2026-01-31&template_id=modern-kilimanjaro")
    assert [c["id"] for c in listed.data] == [paid_cv] and listed.data[0]["is_paid"] is True
    bad = api.put(f"/api/admin/cvs/{paid_cv}", json={"template_id": "no-such-template"}, token=token)
    assert bad.status == 422 and bad.error["details"][0]["field"] == "template_id"
    assert api.put(f"/api/admin/cvs/{paid_cv}", json={"content": {}}, token=token).status == 422
    # Soft delete: gone for the owner, kept for admins, audited; further changes refused.
    assert api.delete(f"/api/admin/cvs/{paid_cv}", token=token).status == 204
    assert api.get(f"/api/cvs/{paid_cv}", token=owner["access_token"]).status == 404
    assert paid_cv not in [c["id"] for c in api.get("/api/cvs", token=owner["access_token"]).data]
    assert paid_cv not in [c["id"] for c in api.get(f"/api/admin/users/{owner['user']['id']}/cvs", token=token).data]
    kept = api.get(f"/api/admin/cvs/{paid_cv}", token=token).data["cv"]
    assert kept["deleted_at"] and kept["title"] == "Cleaned title"
    assert api.delete(f"/api/admin/cvs/{paid_cv}", token=token).error["code"] == "CV_DELETED"
    assert api.put(f"/api/admin/cvs/{paid_cv}", json={"title": "x"}, token=token).status == 409
    actions = [(e["action"], e["entity_id"]) for e in audit_entries(api, admin, f"entity=cv&actor_id={admin['id']}")]
    assert actions == [("cv.delete", paid_cv), ("cv.update", paid_cv)]


def test_cvs_of_a_user(api, admin):
    user = register(api)
    ids = [new_cv(api, user["access_token"], title=f"CV {n}")["id"] for n in range(5)]
    seen, pages = walk(api, f"/api/admin/users/{user['user']['id']}/cvs", admin["token"], limit=2)
    assert [c["id"] for c in seen] == list(reversed(ids)) and pages == 3
    assert all(c["user_id"] == user["user"]["id"] and "content" in c for c in seen)
    seen, _ = walk(api, f"/api/admin/users/{user['user']['id']}/cvs", admin["token"], "order=asc", limit=2)
    assert [c["id"] for c in seen] == ids
    other = register(api, email="other@example.com")
    assert api.get(f"/api/admin/users/{other['user']['id']}/cvs", token=admin["token"]).data == []


# ---------------------------------------------------------------- audit
def test_audit_by_date_actor_and_entity(api, admin, frozen):
    deputy = new_user(api, admin, "deputy@cvchapchap.local", role="admin")
    deputy_token = login(api, "deputy@cvchapchap.local")["access_token"]
    target = register(api)
    cv = new_cv(api, target["access_token"])
    with frozen(utc(2026, 1, 31, 20, 30)):  # 31 Jan 23:30 in Dar
        api.put(f"/api/admin/users/{target['user']['id']}", json={"full_name": "A"}, token=admin["token"])
    with frozen(utc(2026, 1, 31, 21, 30)):  # 1 Feb 00:30
        api.put(f"/api/admin/users/{target['user']['id']}", json={"full_name": "B"}, token=deputy_token)
    with frozen(utc(2026, 2, 1, 21, 30)):  # 2 Feb 00:30
        api.put(f"/api/admin/cvs/{cv['id']}", json={"title": "C"}, token=deputy_token)
    token = admin["token"]

    def actions(query):
        return [(e["action"], e["after"].get("full_name") or e["after"].get("title"))
                for e in audit_entries(api, admin, query)]

    assert actions("from=2026-01-31&to=2026-02-01") == [("user.update", "B"), ("user.update", "A")]
    assert actions("from=2026-02-01&to=2026-02-28") == [("cv.update", "C"), ("user.update", "B")]
    assert actions("from=2026-01-01&to=2026-02-28&order=asc") == [("user.update", "A"), ("user.update", "B"),
                                                                  ("cv.update", "C")]
    assert actions(f"from=2026-01-01&to=2026-02-28&actor_id={deputy['id']}") == [("cv.update", "C"),
                                                                                 ("user.update", "B")]
    assert actions("from=2026-01-01&to=2026-02-28&entity=user") == [("user.update", "B"), ("user.update", "A")]
    assert actions(f"from=2026-01-01&to=2026-02-28&entity=user&actor_id={deputy['id']}") == [("user.update", "B")]
    assert actions(f"from=2026-01-31&to=2026-01-31&actor_id={deputy['id']}") == []
    # Today's: the deputy's creation, by the first admin.
    today = audit_entries(api, admin)
    assert [(e["action"], e["actor_id"], e["actor_email"]) for e in today] == [
        ("user.create", admin["id"], ADMIN["email"])]
    seen, pages = walk(api, "/api/admin/audit", token, "from=2026-01-01&to=2026-02-28", limit=1)
    assert len(seen) == 3 and pages == 3
    entry = seen[0]
    assert set(entry) == {"id", "at", "actor_id", "actor_email", "action", "entity", "entity_id", "before", "after",
                          "reason"}


# ---------------------------------------------------------------- cost: the page, not the table
def _bulk_write(items):
    from chapchap.data import table

    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": table.serialize(item)}} for item in items[start:start + 25]]
        table.client().batch_write_item(RequestItems={table.table_name(): batch})


def _fill(count, start):
    """`count` users (with email items, signed in) and CVs, made directly, in the current month."""
    from chapchap.data import cvs as cv_data
    from chapchap.data import table, users
    from chapchap.data.cvs import Owner

    items = []
    templates = ["classic-navy", "modern-ocean", "compact-ats", "modern-kilimanjaro", "classic-zanzibar"]
    for n in range(start, start + count):
        role = "admin" if n % 10 == 0 else "user"
        user = users.new_user(email=f"user{n:05d}@example.com", full_name=f"User {n}", password_hash="x",
                              phone_number=None, role=role)
        user["last_login"] = user["created_at"]
        user.update(users.login_index(user))
        items += [table.deserialize(op["Put"]["Item"]) for op in users.create_ops(user)]
        cv = cv_data.new_cv(owner=Owner("user", user["id"]), template_id=templates[n % 5], title=f"CV {n}",
                            content={"basics": {"name": f"User {n}"}})
        if n % 4 == 0:
            cv["is_paid"] = True
            cv.update(cv_data.template_index(cv))
        items.append(cv)
    _bulk_write(items)


LIST_REQUESTS = [
    ("/api/admin/users", "{month}"),
    ("/api/admin/users", "{month}&order=asc"),
    ("/api/admin/users", "{month}&role=user"),
    ("/api/admin/users", "{month}&status=active"),
    ("/api/admin/users", "{month}&role=user&status=active"),
    ("/api/admin/users", "{month}&sort=last_login"),
    ("/api/admin/users", "{month}&sort=last_login&role=admin"),
    ("/api/admin/users", "q=user"),
    ("/api/admin/cvs", "{month}"),
    ("/api/admin/cvs", "{month}&template_id=classic-navy"),
    ("/api/admin/cvs", "{month}&template_id=classic-navy&is_paid=true"),
    ("/api/admin/cvs", "{month}&is_paid=false"),
    ("/api/admin/audit", "{month}"),
    ("/api/admin/users/{user}/cvs", ""),
]


def test_list_calls_do_not_grow_with_the_table(api, admin, ddb_calls):
    """The same request costs the same DynamoDB calls with 10 and with 600 items of each kind
    (120 CVs a template: every list's first page fills from its first partitions either way)."""
    today = clock.business_date()
    month = f"from={today.replace(day=1).isoformat()}&to={today.isoformat()}"
    token = admin["token"]

    def measure():
        counts = {}
        for path, query in LIST_REQUESTS:
            path = path.format(user=admin["id"])
            with ddb_calls() as calls:
                reply = api.get(path, token=token, query="limit=20&" + query.format(month=month))
            assert reply.status == 200, reply.body
            assert "Scan" not in calls
            counts[(path, query)] = dict(calls)
        with ddb_calls() as calls:
            reply = api.get("/api/admin/cvs", token=token, query=f"limit=20&{month}&sort=template")
        assert reply.status == 200 and "Scan" not in calls
        return counts, calls.total

    _fill(10, 0)
    small, small_template = measure()
    _fill(590, 10)
    assert len(api.get("/api/admin/users", token=token, query=f"{month}&limit=100").data) == 100
    large, large_template = measure()
    assert large == small
    # sort=template walks template by template: fewer calls once the first template fills the page.
    # Each template is 2 x 5 partitions (4 shards + the legacy bucket, paid and unpaid): the
    # guard, the template ids, then rounds up to admin/cvs.MAX_QUERIES (20).
    assert large_template <= small_template <= 1 + 1 + 20
    # The figures quoted in docs/performance.md.
    assert small[("/api/admin/users", "{month}")] == {"BatchGetItem": 1, "Query": 1}
    assert small[("/api/admin/users", "{month}&role=user")] == {"BatchGetItem": 1, "Query": 2}
    assert small[("/api/admin/users", "{month}&sort=last_login")] == {"BatchGetItem": 1, "Query": 4}
    # q without '@': the email items and the name-word items, one Query each
    assert small[("/api/admin/users", "q=user")] == {"BatchGetItem": 2, "Query": 2}
    # CV month buckets are 4 shards + the legacy bucket: 5 Queries where one partition was read
    # before (data/cvs.py), merged in one round.
    assert small[("/api/admin/cvs", "{month}")] == {"BatchGetItem": 1, "Query": 5}
    assert small[("/api/admin/cvs", "{month}&template_id=classic-navy")] == {"BatchGetItem": 1, "Query": 2 * 5}
    assert small[("/api/admin/cvs", "{month}&template_id=classic-navy&is_paid=true")] == {"BatchGetItem": 1,
                                                                                         "Query": 5}
    assert small[("/api/admin/cvs", "{month}&is_paid=false")] == {"BatchGetItem": 1, "Query": 1 + 5 * 5}
    assert small[("/api/admin/audit", "{month}")] == {"BatchGetItem": 1, "Query": 1}


def test_delete_user_with_more_cvs_than_one_transaction_holds(api, admin, ddb_calls):
    from chapchap.data import cvs as cv_data
    from chapchap.data.cvs import Owner

    user = register(api)
    user_id = user["user"]["id"]
    _bulk_write([cv_data.new_cv(owner=Owner("user", user_id), template_id="classic-navy", title=f"CV {n}",
                                content={}) for n in range(95)])
    assert len(api.get(f"/api/admin/users/{user_id}/cvs", token=admin["token"], query="limit=100").data) == 95
    with ddb_calls() as calls:
        assert api.delete(f"/api/admin/users/{user_id}", token=admin["token"]).status == 204
    # 88 CVs detached in the deleting transaction (which also deletes the user's search items),
    # the other 7 right after, one by one.
    assert dict(calls) == {"BatchGetItem": 1, "GetItem": 1, "Query": 2, "TransactWriteItems": 8}
    today = clock.business_date().isoformat()
    listed, _ = walk(api, "/api/admin/cvs", admin["token"], f"from={today}&to={today}", limit=100)
    assert len(listed) == 95
    assert all(c["user_id"] is None and c["former_user_id"] == user_id for c in listed)


def test_admin_cv_changes_keep_template_usage_right_for_template_delete(api, catalog):
    """Template delete is refused while live CVs use it: admin deletes and template moves
    must move that count too."""
    from chapchap.auth import accounts
    from chapchap.data import counters
    accounts.ensure_admin("live-admin@example.com", "correct horse battery")
    admin = api.post("/api/auth/login", json={"email": "live-admin@example.com",
                                              "password": "correct horse battery"}).data["access_token"]
    owner = {"x-anonymous-id": "5d0b1f3e-2a4c-4e6f-8a1b-3c5d7e9f1a2b"}
    moved = api.post("/api/cvs", json={"template_id": "compact-ats", "content": {}}, headers=owner).data["cv"]
    deleted = api.post("/api/cvs", json={"template_id": "compact-ats", "content": {}}, headers=owner).data["cv"]

    def live(template):
        return counters.read([counters.template_key(template)])[counters.template_key(template)]["live_cvs"]

    assert live("compact-ats") == 2
    r = api.put(f"/api/admin/cvs/{moved['id']}", json={"template_id": "classic-navy", "is_paid": True, "reason": "Paid in cash at the office"},
                token=admin)
    assert r.status == 422 and r.error["code"] == "ONE_CHANGE_AT_A_TIME"
    assert api.put(f"/api/admin/cvs/{moved['id']}", json={"template_id": "classic-navy"}, token=admin).status == 200
    assert api.delete(f"/api/admin/cvs/{deleted['id']}", token=admin).status == 204
    assert live("compact-ats") == 0
    assert api.delete("/api/admin/templates/compact-ats", token=admin).status == 204
    assert api.delete("/api/admin/templates/classic-navy", token=admin).status == 409
