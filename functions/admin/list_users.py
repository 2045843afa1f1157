"""GET /api/admin/users: users by date range, role, status or email prefix; sort created_at or last_login."""
from chapchap.admin import users as admin_users
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, page

app = api(validation=False, auth="admin")  # no body model on this route


@app.get("/api/admin/users",
         responses=doc("User", query=admin_users.QUERY))
def list_users():
    items, limit, next_cursor = admin_users.list_users(app.current_event.query_string_parameters)
    return page(items, limit=limit, next_cursor=next_cursor)


handler = entry(app)
