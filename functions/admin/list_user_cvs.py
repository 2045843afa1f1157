"""GET /api/admin/users/{id}/cvs: that user's CVs, newest first."""
from chapchap.admin import users as admin_users
from chapchap.http.apidoc import doc
from chapchap.http.queries import list_parameters
from chapchap.http import api, entry, page

app = api(validation=False, auth="admin")  # no body model on this route

QUERY = list_parameters(dated=False)


@app.get("/api/admin/users/<user_id>/cvs",
         responses=doc("AdminCv", query=QUERY))
def list_user_cvs(user_id: str):
    items, limit, next_cursor = admin_users.list_cvs(user_id, app.current_event.query_string_parameters)
    return page(items, limit=limit, next_cursor=next_cursor)


handler = entry(app)
