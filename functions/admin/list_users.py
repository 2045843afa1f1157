"""GET /api/admin/users: users by date range, role, status or email prefix; sort created_at or last_login."""
from chapchap.admin import users as admin_users
from chapchap.http.apidoc import doc, param
from chapchap.data.users import ROLES, STATUSES
from chapchap.http.queries import enum_param, list_parameters
from chapchap.http import api, entry, page

app = api(validation=False, auth="admin")  # no body model on this route

QUERY = list_parameters(
    sorts=admin_users.SORTS, dates_of="`created_at` (`last_login` with sort=last_login)", default_note="; none with `q`",
    filters=[enum_param("role", ROLES, "only this role"),
             enum_param("status", STATUSES, "only this status"),
             param("q", {"type": "string", "minLength": 1, "maxLength": 254, "pattern": r"\S"},
                   "users whose email starts with this (case-insensitive), in email order (`order` "
                   "defaults to `asc`); not with `sort`")])


@app.get("/api/admin/users",
         responses=doc("User", query=QUERY))
def list_users():
    items, limit, next_cursor = admin_users.list_users(app.current_event.query_string_parameters)
    return page(items, limit=limit, next_cursor=next_cursor)


handler = entry(app)
