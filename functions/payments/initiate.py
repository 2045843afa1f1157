"""POST /api/payments/initiate: a Selcom order for a CV (USSD push and checkout page)."""
from chapchap import payments
from chapchap.apidoc import doc
from chapchap.http import api, created, current_user, entry, header
from chapchap.models.payment import InitiateIn

app = api(auth="user")


@app.post("/api/payments/initiate", responses=doc("PaymentStarted", errors={
    404: "NOT_FOUND: no such CV of yours",
    409: ["ALREADY_PAID: download it instead", "REQUEST_IN_PROGRESS: the same Idempotency-Key is being processed"],
    422: ["VALIDATION_FAILED: also no phone number in the body or the profile",
          "IDEMPOTENCY_KEY_REUSED: this Idempotency-Key came with another body"],
    502: "GATEWAY_ERROR: Selcom refused or could not be reached"}))
def initiate(body: InitiateIn):
    user = current_user(app)
    result = payments.initiate(user, body, idempotency_key=header(app, "idempotency-key"),
                               request_domain=app.current_event.request_context.domain_name,
                               lambda_context=app.lambda_context)
    return created(result)


handler = entry(app)
