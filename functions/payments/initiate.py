"""POST /api/payments/initiate: a Selcom order for a CV (USSD push and checkout page), for its
template or (template_id) another one; a paid CV's upgrade charges the difference."""
from chapchap.payments import start
from chapchap.http.apidoc import doc
from chapchap.http import api, base_url, created, current_user, entry, header
from chapchap.models.payment import InitiateIn

app = api(auth="user")


@app.post("/api/payments/initiate", responses=doc("PaymentStarted", errors={
    404: "NOT_FOUND: no such CV of yours",
    409: ["ALREADY_PAID: the CV is paid up to this template's price: download it, or switch to it for free",
          "REQUEST_IN_PROGRESS: the same Idempotency-Key is being processed"],
    422: ["VALIDATION_FAILED: also no phone number in the body or the profile, or a template_id "
          "that is no active template",
          "IDEMPOTENCY_KEY_REUSED: this Idempotency-Key came with another body"],
    429: "TOO_MANY_REQUESTS: too many payment prompts for this CV, this account or a phone that is not "
         "the account's within the hour (Retry-After); details name the limit",
    502: "GATEWAY_ERROR: Selcom refused or could not be reached"}))
def initiate(body: InitiateIn):
    user = current_user(app)
    key = header(app, "idempotency-key")
    if key:
        start.idempotency_config().register_lambda_context(app.lambda_context)
    result = start.initiate(user, body, idempotency_key=key, base_url=base_url(app))
    return created(result)


handler = entry(app)
