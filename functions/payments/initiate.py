"""POST /api/payments/initiate: a Selcom order for a CV (USSD push and checkout page)."""
from chapchap import payments
from chapchap.http import api, created, current_user, entry, header
from chapchap.models.payment import InitiateIn

app = api(auth="user")


@app.post("/api/payments/initiate")
def initiate(body: InitiateIn):
    user = current_user(app)
    result = payments.initiate(user, body, idempotency_key=header(app, "idempotency-key"),
                               request_domain=app.current_event.request_context.domain_name,
                               lambda_context=app.lambda_context)
    return created(result)


handler = entry(app)
