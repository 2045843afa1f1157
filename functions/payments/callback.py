"""POST /api/payments/callback: Selcom's webhook. Recorded first, confirmed with Selcom, 200."""
from chapchap import payments
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok, text_body

app = api(validation=False)  # no body model on this route


@app.post("/api/payments/callback", responses=doc("CallbackAck"))
def callback():
    event = app.current_event
    return ok(payments.handle_callback(text_body(event), dict(event.headers or {})))


handler = entry(app)
