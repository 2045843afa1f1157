"""POST /api/payments/callback: Selcom's webhook. Recorded first, confirmed with Selcom, 200."""
from chapchap import payments
from chapchap.apidoc import doc
from chapchap.http import api, entry, ok

app = api(validation=False)  # no body model on this route


@app.post("/api/payments/callback", responses=doc("CallbackAck"))
def callback():
    event = app.current_event
    return ok(payments.handle_callback(event.decoded_body or "", dict(event.headers or {})))


handler = entry(app)
