"""Starting a payment: the checks, the prompt limits, the pending payment, Selcom's order and
the USSD push. With an Idempotency-Key, Powertools' idempotency (configured once per module,
below) returns the first answer to a repeated request."""
from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from chapchap import clock
from chapchap.analytics import funnel
from chapchap.data import counters, table, templates, throttle
from chapchap.data import cvs as cv_data
from chapchap.data import payments as pay_data
from chapchap.data import paydesk
from chapchap.errors import ApiError, Conflict, NotFound, Throttled, ValidationFailed
from chapchap.observability import logger, metrics
from chapchap.templates import pricing
from chapchap.payments import fail, selcom
from chapchap.settings import settings
from chapchap.templates import catalog

if TYPE_CHECKING:  # pydantic: only the initiate paths load it (cold start of the read-only functions)
    from chapchap.models.payment import InitiateIn

IDEMPOTENCY_SECONDS = 24 * 3600


def initiate(user: dict[str, Any], data: InitiateIn, *, idempotency_key: str | None,
             base_url: str) -> dict[str, Any]:
    """`base_url` is where Selcom's webhook reaches this API (the HTTP edge knows it)."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    if not idempotency_key:
        return _initiate(user, data, base_url)
    if len(idempotency_key) > 200:
        raise ValidationFailed.field("Idempotency-Key", "at most 200 characters")
    try:
        return _idempotent_initiate()(request={
            "user_id": user["id"], "key": idempotency_key, "body": data.model_dump(mode="json"),
            "user": {k: user.get(k) for k in ("id", "email", "full_name", "phone_number")}, "base_url": base_url})
    except IdempotencyValidationError:
        raise ValidationFailed("This Idempotency-Key was used with another request body.",
                               code="IDEMPOTENCY_KEY_REUSED") from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict("The same request is still being processed.", code="REQUEST_IN_PROGRESS") from None


def idempotency_config():
    """The module's IdempotencyConfig. The handler registers its Lambda context on it
    (`config.register_lambda_context(context)`), so an in-progress record expires with the
    invocation that wrote it."""
    return _idempotency()[1]


@cache
def _idempotency():
    """The persistence layer and the config, made once per process (as Powertools' examples
    make them at module level), on first use: the functions that never see an
    Idempotency-Key do not import Powertools' idempotency (cold start)."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

    class OurTable(DynamoDBPersistenceLayer):
        """Our table, through the table module's client: the one tests and a SnapStart restore
        replace (chapchap.snapstart)."""

        @property
        def client(self):
            return table.client()

        @client.setter
        def client(self, _value) -> None:
            pass

    store = OurTable(table_name=table.table_name(), key_attr="pk", sort_key_attr="sk",
                     static_pk_value="IDEMPOTENCY#payments-initiate", expiry_attr="ttl",
                     boto3_client=table.client())
    config = IdempotencyConfig(event_key_jmespath="[user_id, key]", payload_validation_jmespath="body",
                               expires_after_seconds=IDEMPOTENCY_SECONDS, raise_on_no_idempotency_key=True)
    return store, config


@cache
def _idempotent_initiate():
    """Powertools idempotency in our table: the same Idempotency-Key (per user) within a day
    returns the first answer; the same key with another body is refused."""
    from aws_lambda_powertools.utilities.idempotency import idempotent_function

    store, config = _idempotency()
    return idempotent_function(data_keyword_argument="request", persistence_store=store, config=config)(
        _initiate_request)


def _initiate_request(request: dict[str, Any]) -> dict[str, Any]:
    from chapchap.models.payment import InitiateIn

    return _initiate(request["user"], InitiateIn.model_validate(request["body"]), request["base_url"])


def _initiate(user: dict[str, Any], data: InitiateIn, base_url: str) -> dict[str, Any]:
    cv = cv_data.get(data.cv_id, consistent=True)
    if not cv or cv.get("deleted_at") or cv.get("user_id") != user["id"]:
        raise NotFound("No such CV.")
    template_id = data.template_id or cv["template_id"]
    template = _payable_template(template_id, own=template_id == cv["template_id"])
    price = catalog.price_of(template)
    # What the CV is paid up to counts: an upgrade charges only the difference (pricing.py).
    paid = pricing.paid_level(cv, template if template_id == cv["template_id"] else None)
    if price["amount"] <= paid:
        raise Conflict("This CV is already paid for: download it." if template_id == cv["template_id"] else
                       "This CV is already paid for this template: switch to it for free.", code="ALREADY_PAID")
    phone = data.phone_number or user.get("phone_number")
    if not phone:  # Selcom needs the buyer's number for cards too
        raise ValidationFailed.field("phone_number", "give the phone number to pay with (e.g. 0712345678)")
    method = data.method or "mobile_money"
    reference = pay_data.new_reference()
    payment = pay_data.new_payment(reference=reference, user=user, cv=cv, amount=price["amount"] - paid,
                                   currency=price["currency"], method=method, phone=phone,
                                   template_id=template_id, paid_before=paid)
    # The payment exists (pending) before Selcom hears of it: a crash after Selcom's answer
    # leaves a payment reconciliation can finish, never money with no record. Its prompt is
    # counted in the same transaction: no payment beyond the limits, no count without one;
    # and so are the items the support desk finds it by (reference, phone, email).
    limits = _prompt_limits(user, cv, phone, method)
    try:
        table.transact([table.put_op(payment, condition="attribute_not_exists(pk)"),
                        *(op for op, _ in limits), *paydesk.creation_lookup_ops(payment),
                        *counters.add_ops(funnel.payment_step("payments_started", payment))])
    except table.TransactionFailed as exc:
        refused = [why for n, (_, why) in enumerate(limits, start=1) if exc.failed_at(n)]
        if not refused:
            raise
        raise Throttled("Too many payment prompts. Wait a little before trying again.",
                        retry_after=throttle.seconds_left(settings().prompt_window_seconds), details=refused) from None
    client = selcom.client()
    try:
        order = _create_order(client, payment, user, base_url)
    except selcom.SelcomAmbiguous:
        # Selcom may have the order: keep it pending and let verify/reconciliation ask.
        raise
    except ApiError as exc:
        _fail(payment, reason=exc.code)
        raise
    except Exception:
        _fail(payment, reason="UNEXPECTED")
        raise
    ussd = {"sent": False, "phone": phone}
    if method == "mobile_money" and phone:
        ussd = _push(client, reference, phone)
    table.update(*pay_data.payment_key(reference),
                 "SET checkout_url = :url, selcom_reference = :ref, updated_at = :now",
                 url=order.payment_gateway_url, ref=order.reference, now=clock.now_iso())
    metrics.add_metric(name="PaymentInitiated", unit="Count", value=1)
    return {"payment": pay_data.public_payment(payment), "checkout_url": order.payment_gateway_url,
            "ussd_push": ussd}


def _payable_template(template_id: str, *, own: bool) -> dict[str, Any]:
    """The template a payment is for. The CV's own is priced even when it was deactivated
    since (the CV was built on it); another one must be active, as for a template change."""
    template = templates.get(template_id)
    if own:
        return template or {}
    if not template or not template.get("is_active"):
        raise ValidationFailed.field("template_id", "no active template has this id")
    return template


def _prompt_limits(user: dict[str, Any], cv: dict[str, Any], phone: str, method: str) -> list[tuple[dict, dict]]:
    """The counters one payment prompt moves, each with what its refusal says: per CV, per
    user, and per phone when a USSD prompt goes to a number that is not the account's."""
    config = settings()
    window = config.prompt_window_seconds
    limits = [(throttle.hit_op("PAYCV", cv["id"], limit=config.prompts_per_cv, window_seconds=window),
               {"field": "cv_id", "limit": config.prompts_per_cv, "window_seconds": window,
                "message": f"at most {config.prompts_per_cv} payment prompts per CV in {window // 60} minutes"}),
              (throttle.hit_op("PAYUSER", user["id"], limit=config.prompts_per_user, window_seconds=window),
               {"field": "user", "limit": config.prompts_per_user, "window_seconds": window,
                "message": f"at most {config.prompts_per_user} payment prompts per account in {window // 60} minutes"})]
    if method == "mobile_money" and phone != user.get("phone_number"):
        limits.append((throttle.hit_op("PAYPHONE", phone, limit=config.prompts_per_foreign_phone, window_seconds=window),
                       {"field": "phone_number", "limit": config.prompts_per_foreign_phone, "window_seconds": window,
                        "message": f"at most {config.prompts_per_foreign_phone} payment prompts in {window // 60} "
                                   "minutes to a phone that is not your account's"}))
    return limits


def _create_order(client, payment: dict[str, Any], user: dict[str, Any], base_url: str):
    args = dict(order_id=payment["reference"], buyer_email=user["email"], buyer_name=user["full_name"],
                buyer_phone=payment["phone"] or "", amount=payment["amount"],
                webhook_url=f"{base_url}/api/payments/callback",
                remarks=f"CV Chap Chap: {payment['cv_title'][:40]}")
    if payment["method"] == "card":
        return client.create_order(**args)
    return client.create_order_minimal(**args)


def _push(client, reference: str, phone: str) -> dict[str, Any]:
    try:
        result = client.wallet_payment(order_id=reference, msisdn=phone, transid=reference)
    except ApiError as exc:
        logger.warning("USSD push failed; the checkout page remains", extra={"reference": reference, "code": exc.code})
        return {"sent": False, "phone": phone, "message": "We could not send the prompt to your phone. "
                "Use the checkout page instead."}
    return {"sent": result.accepted, "phone": phone,
            "message": "Check your phone and enter your PIN to pay." if result.accepted else result.message}


def _fail(payment: dict[str, Any], *, reason: str) -> None:
    fail.leave_pending(payment, "failed", failure_reason=reason)
