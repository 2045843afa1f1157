"""Payments through Selcom: initiate, confirm (webhook, verify, reconciliation), download.

The one rule: a payment becomes `completed` only after Selcom's order-status says
COMPLETED with the amount and currency we asked for, and that change, the CV becoming paid
and the revenue and paid counters moving are one transaction conditioned on the payment not
being completed yet. Webhooks are hints; every path that learns something from Selcom goes
through `confirm`, so any order or repetition of webhooks, verify calls and reconciliation
runs changes state once.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chapchap import clock, cursor, messages, storage
from chapchap.templates import catalog
from chapchap.payments import pricing
from chapchap.cvs import renders
from chapchap.payments import selcom
from chapchap.data import counters, table, templates, throttle
from chapchap.data import cvs as cv_data
from chapchap.data import payments as pay_data
from chapchap.errors import ApiError, Conflict, NotFound, PaymentRequired, Throttled, ValidationFailed
from chapchap.observability import logger, metrics
from chapchap.settings import settings

if TYPE_CHECKING:  # pydantic: only the initiate paths load it (cold start of the read-only functions)
    from chapchap.models.payment import InitiateIn

RECONCILE_MIN_AGE = timedelta(minutes=2)
EXPIRE_AFTER = timedelta(hours=24)
RENDER_STUCK_AFTER = timedelta(minutes=5)
DOWNLOAD_URL_SECONDS = 300
FAILED_STATUSES = {"REJECTED", "FAILED", "FAIL", "ERROR", "DECLINED"}
CANCELLED_STATUSES = {"CANCEL", "CANCELLED", "CANCELED", "USERCANCELLED", "USERCANCELED"}


# ---------------------------------------------------------------- initiate
def initiate(user: dict[str, Any], data: InitiateIn, *, idempotency_key: str | None,
             request_domain: str | None, lambda_context: Any = None) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    base_url = settings().public_base_url or (f"https://{request_domain}" if request_domain else "")
    if not idempotency_key:
        return _initiate(user, data, base_url)
    if len(idempotency_key) > 200:
        raise ValidationFailed.field("Idempotency-Key", "at most 200 characters")
    try:
        return _idempotent(_initiate_request, lambda_context)(request={
            "user_id": user["id"], "key": idempotency_key, "body": data.model_dump(mode="json"),
            "user": {k: user.get(k) for k in ("id", "email", "full_name", "phone_number")}, "base_url": base_url})
    except IdempotencyValidationError:
        raise ValidationFailed("This Idempotency-Key was used with another request body.",
                               code="IDEMPOTENCY_KEY_REUSED") from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict("The same request is still being processed.", code="REQUEST_IN_PROGRESS") from None


def _initiate_request(request: dict[str, Any]) -> dict[str, Any]:
    from chapchap.models.payment import InitiateIn

    return _initiate(request["user"], InitiateIn.model_validate(request["body"]), request["base_url"])


def _idempotent(function, lambda_context: Any = None):
    """Powertools idempotency in our table: the same Idempotency-Key (per user) within a day
    returns the first answer; the same key with another body is refused."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    store = DynamoDBPersistenceLayer(table_name=table.table_name(), key_attr="pk", sort_key_attr="sk",
                                     static_pk_value="IDEMPOTENCY#payments-initiate", expiry_attr="ttl",
                                     boto3_client=table.client())
    config = IdempotencyConfig(event_key_jmespath="[user_id, key]", payload_validation_jmespath="body",
                               expires_after_seconds=24 * 3600, raise_on_no_idempotency_key=True)
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)
    return idempotent_function(data_keyword_argument="request", persistence_store=store, config=config)(function)


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
    # counted in the same transaction: no payment beyond the limits, no count without one.
    limits = _prompt_limits(user, cv, phone, method)
    try:
        table.transact([table.put_op(payment, condition="attribute_not_exists(pk)"),
                        *(op for op, _ in limits)])
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
        _fail(reference, reason=exc.code)
        raise
    except Exception:
        _fail(reference, reason="UNEXPECTED")
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


def _fail(reference: str, *, reason: str) -> None:
    try:
        table.transact([pay_data.leave_pending_op(reference, "failed", failure_reason=reason)])
    except table.TransactionFailed:
        pass


# ---------------------------------------------------------------- confirm (the only way to paid)
def confirm(payment: dict[str, Any], *, source: str) -> dict[str, Any]:
    """Ask Selcom about a payment and apply the answer. Returns the payment as stored after."""
    if payment["status"] == "completed":
        return payment
    status = selcom.client().order_status(payment["reference"])
    paid_status = (status.payment_status or "").upper()
    if paid_status == "COMPLETED":
        currency = (status.currency or payment["currency"]).upper()
        if status.amount != payment["amount"] or currency != payment["currency"]:
            _flag_mismatch(payment, status, source)
        else:
            complete(payment, transaction_id=status.transid, channel=status.channel,
                     selcom_reference=status.reference, source=source)
    elif paid_status in FAILED_STATUSES | CANCELLED_STATUSES and payment["status"] == "pending":
        new = "cancelled" if paid_status in CANCELLED_STATUSES else "failed"
        try:
            table.transact([pay_data.leave_pending_op(payment["reference"], new, selcom_status=paid_status)])
        except table.TransactionFailed:
            pass
    return pay_data.get(payment["reference"]) or payment


def complete(payment: dict[str, Any], *, transaction_id: str | None, channel: str | None,
             selcom_reference: str | None, source: str) -> bool:
    """Exactly once: payment completed + CV paid up to the payment's template price (on that
    template) + counters, in one conditional transaction. Returns True when this call made
    the change.

    A payment completes for the template it was priced for, whatever the CV uses now. It
    raises the CV when its price is above what the CV is paid up to; whatever it paid beyond
    that (two orders both paid, or an upgrade started from a level the CV lost) is kept and
    flagged for a refund (`duplicate_payment`, `refund_due`)."""
    reference = payment["reference"]
    template_id = payment["template_id"]
    level = pay_data.template_price(payment)
    paid_before = int(payment.get("paid_before", 0))
    may_move = True
    for _ in range(3):
        cv = cv_data.get(payment["cv_id"], consistent=True)
        now = clock.now()
        fields: dict[str, Any] = {"transaction_id": transaction_id or "", "channel": channel or "",
                                  "completed_at": clock.iso(now), "completed_by": source,
                                  "selcom_reference": selcom_reference or ""}
        paid = pricing.paid_level(cv) if cv else 0
        raises = bool(cv) and level > paid >= paid_before
        refund_due = paid - paid_before if raises else payment["amount"]
        if refund_due:
            # Paid twice for one level: keep the money, flag the excess for a refund.
            fields.update(duplicate_payment=True, refund_due=refund_due)
        flips_cv = raises and not cv.get("is_paid")
        moves = raises and may_move and template_id != cv["template_id"]
        ops = [pay_data.leave_pending_op(reference, "completed",
                                         allowed_from=("pending", "failed", "cancelled", "expired"), **fields)]
        amounts = {"revenue": payment["amount"]}
        if raises:
            ops.append(cv_data.paid_up_op(cv, level=level, template_id=template_id if moves else cv["template_id"],
                                          reference=reference, now=clock.iso(now)))
        if flips_cv:
            amounts["paid_cvs"] = 1
        ops += counters.add_ops(amounts, day=clock.business_date(now), template_id=template_id,
                                template_only={"live_cvs": 1} if moves else None)
        if moves:
            # The CV leaves its template for the one paid for: live_cvs follows, and that
            # template must still exist (an admin may have deleted it since).
            ops += [counters.live_cv_op(cv["template_id"], -1),
                    table.condition_op(*templates.template_key(template_id), "attribute_exists(pk)")]
        ops.append(pay_data.completion_op(payment, completed_at=fields["completed_at"], paid_cv=flips_cv))
        try:
            table.transact(ops)
        except table.TransactionFailed as exc:
            if exc.failed_at(0):
                return False  # completed already, by another webhook, verify or reconciliation
            if moves and exc.failed_at(len(ops) - 2):
                may_move = False  # the template is gone: paid up to its price, on the CV's own
                continue
            if (raises and exc.failed_at(1)) or exc.conflict:
                continue  # the CV changed meanwhile (paid, edited, moved), or a racing write: read again
            raise
        metrics.add_metric(name="PaymentCompleted", unit="Count", value=1)
        metrics.add_metric(name="Revenue", unit="Count", value=payment["amount"])
        logger.info("payment completed", extra={"reference": reference, "source": source})
        if source == "reconciliation":
            # Reconciliation only looks at payments older than a webhook takes: Selcom's webhook
            # was lost or could not be applied. One is chance; several mean the webhook is broken.
            metrics.add_metric(name="PaymentCompletedWithoutWebhook", unit="Count", value=1)
            logger.warning("payment completed by reconciliation, not by its webhook", extra={"reference": reference})
        if refund_due:
            metrics.add_metric(name="PaymentFlagged", unit="Count", value=1)
            logger.warning("payment flagged: part of it bought nothing", extra={"reference": reference})
        if flips_cv or moves:
            renders.enqueue(cv["id"], cv["content_version"] + (1 if moves else 0))
        # Only the call that made the change tells the payer (and the causes' records stop a
        # second telling should anything else try).
        messages.payment_completed(payment)
        return True
    raise Conflict("The CV changed while completing the payment; it will be retried.", code="CONCURRENT_UPDATE")


def _flag_mismatch(payment: dict[str, Any], status, source: str) -> None:
    logger.error("Selcom reports a different amount or currency; not marking paid",
                 extra={"reference": payment["reference"], "expected": payment["amount"], "reported": status.amount})
    metrics.add_metric(name="PaymentMismatch", unit="Count", value=1)
    try:
        table.update(*pay_data.payment_key(payment["reference"]),
                     "SET flagged = :yes, mismatch = :mismatch, updated_at = :now",
                     condition="attribute_not_exists(flagged)", yes=True, now=clock.now_iso(),
                     mismatch={"expected_amount": payment["amount"], "reported_amount": status.amount,
                               "expected_currency": payment["currency"], "reported_currency": status.currency,
                               "transaction_id": status.transid, "seen_by": source, "seen_at": clock.now_iso()})
    except table.ConditionFailed:
        return  # flagged already: reconciliation asks again every run until the payment expires
    metrics.add_metric(name="PaymentFlagged", unit="Count", value=1)


# ---------------------------------------------------------------- webhook
_SAFE_HEADERS = ("content-type", "user-agent", "timestamp", "digest-method", "digest", "signed-fields",
                 "x-forwarded-for")


def handle_callback(body: str, headers: dict[str, str]) -> dict[str, Any]:
    """Record the call, then treat it as a hint: confirm with Selcom before changing anything."""
    from chapchap.http import parse_json, safe_text

    try:
        data = parse_json(body) if body else {}
    except ApiError:  # not JSON, NaN or half a surrogate pair: recorded as sent, then ignored
        data = {}
    body = safe_text(body or "")
    order_id = str(data.get("order_id") or "")[:64] if isinstance(data, dict) else ""
    safe_headers = {k: safe_text(str(v)) for k, v in (headers or {}).items() if k.lower() in _SAFE_HEADERS}
    webhook_id = pay_data.record_webhook(body=body or "", headers=safe_headers, order_id=order_id or None)
    if not order_id:
        logger.warning("webhook without order_id", extra={"webhook_id": webhook_id})
        pay_data.annotate_webhook(webhook_id, outcome="ignored: no order_id", **pay_data.short_lived())
        return {"received": True}
    payment = pay_data.get(order_id)
    if payment is None:
        logger.warning("webhook for an unknown order", extra={"webhook_id": webhook_id, "order_id": order_id})
        pay_data.annotate_webhook(webhook_id, outcome="ignored: unknown order", **pay_data.short_lived())
        return {"received": True}
    signature = selcom.client().verify_webhook(headers or {}, data) if isinstance(data, dict) else False
    # Recorded: from here on Selcom gets its 200 whatever happens; what fails now (Selcom
    # unreachable, the table busy) is finished by verify or the reconciliation schedule.
    try:
        if payment["status"] != "completed" and not pay_data.claim_status_check(
                payment["reference"], interval_seconds=settings().status_check_interval_seconds):
            # Anyone can post a webhook: Selcom is asked about a payment at most once per
            # interval, whoever asks (verify shares it). The next verify or reconciliation
            # finishes what this one leaves.
            outcome = "not checked: checked within the last seconds"
        else:
            after = confirm(payment, source="webhook")
            outcome = f"status {after['status']}"
    except Exception as exc:  # noqa: BLE001 - see above
        outcome = f"confirm failed: {getattr(exc, 'code', type(exc).__name__)}"
        logger.warning("could not settle a webhook now; reconciliation will", extra={"order_id": order_id,
                                                                                    "error": type(exc).__name__})
    try:
        pay_data.annotate_webhook(webhook_id, outcome=outcome,
                                  signature={None: "not configured", True: "valid", False: "invalid"}[signature])
    except Exception:  # noqa: BLE001 - the annotation is for admins; the raw call is stored
        logger.warning("could not annotate a webhook", extra={"webhook_id": webhook_id})
    return {"received": True}


# ---------------------------------------------------------------- the user's views
def _own_payment(user: dict[str, Any], reference: str) -> dict[str, Any]:
    payment = pay_data.get(reference.upper()) if re.fullmatch(r"[A-Za-z0-9]{4,32}", reference or "") else None
    if not payment or payment["user_id"] != user["id"]:
        raise NotFound("No such payment.")
    return payment


def verify(user: dict[str, Any], reference: str) -> dict[str, Any]:
    payment = _own_payment(user, reference)
    if payment["status"] != "pending":
        return pay_data.public_payment(payment)
    # At most one question to Selcom every few seconds per payment (webhooks share the turn).
    if not pay_data.claim_status_check(payment["reference"], interval_seconds=settings().status_check_interval_seconds):
        return pay_data.public_payment(payment)
    return pay_data.public_payment(confirm(payment, source="verify"))


def list_mine(user: dict[str, Any], *, limit: int, page: str | None) -> tuple[list[dict], str | None]:
    scope = f"payments:{user['id']}"
    items, last = pay_data.list_for_user(user["id"], limit=limit, start_key=cursor.decode(page, scope))
    return [pay_data.public_payment(p) for p in items], cursor.encode(last, scope)


def _filename(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_title).strip("-")[:60] or "CV"
    return f"{slug}.pdf"


def download(user: dict[str, Any], cv_id: str) -> tuple[int, dict[str, Any]]:
    cv = cv_data.get(cv_id, consistent=True)
    if not cv or cv.get("deleted_at") or cv.get("user_id") != user["id"]:
        raise NotFound("No such CV.")
    if not cv.get("is_paid"):
        raise PaymentRequired("Pay for this CV to download it.", code="PAYMENT_REQUIRED")
    version = cv["content_version"]
    if cv.get("pdf_status") == "ready" and cv.get("pdf_version") == version and cv.get("pdf_key"):
        now = clock.now()
        table.transact([table.update_op(*cv_data.cv_key(cv_id), "ADD download_count :one", one=1),
                        *counters.add_ops({"downloads": 1}, day=clock.business_date(now),
                                          template_id=cv["template_id"]),
                        counters.download_op(cv, now)])
        filename = _filename(cv["title"])
        return 200, {"url": storage.download_url(cv["pdf_key"], filename=filename, expires=DOWNLOAD_URL_SECONDS),
                     "expires_at": clock.iso(now + timedelta(seconds=DOWNLOAD_URL_SECONDS)),
                     "filename": filename, "download_count": int(cv.get("download_count", 0)) + 1}
    requested = cv.get("render_requested_at")
    under_way = (cv.get("pdf_status") == "rendering" and requested
                 and clock.parse_iso(requested) > clock.now() - RENDER_STUCK_AFTER)
    if not under_way:
        renders.request_render(cv_id, version)
    return 202, {"status": "rendering"}


def receipt(user: dict[str, Any], reference: str) -> dict[str, Any]:
    payment = _own_payment(user, reference)
    if payment["status"] != "completed":
        raise Conflict("A receipt exists once the payment is completed.", code="PAYMENT_NOT_COMPLETED")
    key = payment.get("receipt_key")
    if not key:
        key = f"receipts/user/{user['id']}/{payment['reference']}.pdf"
        storage.put(key, _receipt_pdf(payment), "application/pdf")
        try:  # rendered once and kept: a racing request keeps the first
            table.update(*pay_data.payment_key(payment["reference"]), "SET receipt_key = :key",
                         condition="attribute_not_exists(receipt_key)", key=key)
        except table.ConditionFailed:
            key = pay_data.get(payment["reference"])["receipt_key"]
    expires = clock.now() + timedelta(seconds=DOWNLOAD_URL_SECONDS)
    return {"url": storage.download_url(key, filename=f"Receipt-{payment['reference']}.pdf",
                                        expires=DOWNLOAD_URL_SECONDS),
            "expires_at": clock.iso(expires)}


def _receipt_pdf(payment: dict[str, Any]) -> bytes:
    from chapchap.pdf import render_document  # fpdf2 only on this path

    completed = clock.parse_iso(payment["completed_at"]).astimezone(clock.business_tz())
    amount = f"{payment['currency']} {payment['amount']:,}"
    return render_document(f"Receipt {payment['reference']}", "CV Chap Chap", [
        {"type": "heading", "text": "CV Chap Chap", "level": 1},
        {"type": "paragraph", "text": "Payment receipt", "muted": True},
        {"type": "rule"},
        {"type": "kv", "items": [
            ["Receipt for", payment.get("buyer_name", "")], ["Email", payment.get("buyer_email", "")],
            ["Reference", payment["reference"]], ["Transaction ID", payment.get("transaction_id") or "-"],
            ["Date", completed.strftime("%d %B %Y, %H:%M") + f" ({clock.business_tz().key})"],
            ["Method", {"mobile_money": "Mobile money", "card": "Card"}.get(payment["method"], payment["method"])],
            ["Paid through", payment.get("channel") or "Selcom"]]},
        {"type": "spacer"},
        {"type": "table", "columns": ["Item", "Amount"], "align": ["L", "R"], "widths": [3, 1],
         "rows": _receipt_rows(payment, amount)},
        {"type": "spacer"},
        {"type": "paragraph", "text": "Thank you for using CV Chap Chap. Keep this receipt for your records.",
         "muted": True},
    ])


def _receipt_rows(payment: dict[str, Any], amount: str) -> list[list[str]]:
    paid_before = int(payment.get("paid_before", 0))
    if not paid_before:
        return [[f"CV download: {payment.get('cv_title', '')}", amount], ["Total paid", amount]]
    currency = payment["currency"]
    return [[f"Template upgrade to {payment.get('template_id', '')}: {payment.get('cv_title', '')}",
             f"{currency} {pay_data.template_price(payment):,}"],
            ["Already paid for this CV", f"- {currency} {paid_before:,}"], ["Total paid", amount]]


# ---------------------------------------------------------------- reconciliation
def reconcile(*, min_age: timedelta = RECONCILE_MIN_AGE, max_pages: int = 20,
              page_size: int = 50) -> dict[str, int]:
    """Ask Selcom about pending payments older than `min_age` (two minutes on the schedule,
    so a webhook on its way is not raced); expire those older than a day."""
    now = clock.now()
    summary = {"checked": 0, "completed": 0, "failed": 0, "expired": 0, "errors": 0}
    start_key = None
    for _ in range(max_pages):
        items, start_key = pay_data.pending_before(clock.iso(now - min_age), limit=page_size,
                                                   start_key=start_key)
        for payment in items:
            summary["checked"] += 1
            try:
                after = confirm(payment, source="reconciliation")
                if after["status"] == "pending" and clock.parse_iso(payment["created_at"]) < now - EXPIRE_AFTER:
                    _expire(payment)
                    after = {**after, "status": "expired"}
            except ApiError as exc:
                summary["errors"] += 1
                logger.warning("reconciliation could not check a payment",
                               extra={"reference": payment["reference"], "code": exc.code})
                continue
            if after["status"] in ("completed", "failed", "expired"):
                summary[after["status"]] += 1
            elif after["status"] == "cancelled":
                summary["failed"] += 1
        if not start_key:
            break
    logger.info("reconciliation done", extra=summary)
    return summary


def _expire(payment: dict[str, Any]) -> None:
    try:
        selcom.client().cancel_order(payment["reference"])
    except ApiError as exc:
        logger.warning("could not cancel an expired order at Selcom", extra={"reference": payment["reference"],
                                                                            "code": exc.code})
    try:
        table.transact([pay_data.leave_pending_op(payment["reference"], "expired")])
    except table.TransactionFailed:
        pass
