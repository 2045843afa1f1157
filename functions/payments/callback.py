"""POST /api/payments/callback: Selcom's webhook. Recorded first, confirmed with Selcom, 200."""
from chapchap.payments import webhook
from chapchap.http.apidoc import doc
from chapchap.http import api, entry, ok
from chapchap.http.callbacks import selcom_callback

app = api(validation=False)  # no body model on this route


@app.post("/api/payments/callback", responses=doc("CallbackAck"))
def callback():
    return ok(webhook.receive(selcom_callback(app.current_event)))


handler = entry(app)
