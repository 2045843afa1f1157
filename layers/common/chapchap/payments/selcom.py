"""Selcom Checkout API client: the calls the payment flow needs, and webhook checks.

The signing is in selcom_signing.py, the meaning of answers (outcomes, errors, typed
results) in selcom_results.py; this module does the I/O.

Only the payment functions import this module (it imports `requests`; nothing else in
`chapchap` does, to keep other cold starts small).

Signing (docs/payments.md, confirmed against Selcom's official clients): every request carries
`Authorization: SELCOM base64(api_key)`, `Timestamp` (ISO 8601 with offset, formatted once in
Africa/Dar_es_Salaam), `Digest-Method: HS256`, `Digest: base64(HMAC_SHA256(api_secret,
signing_string))` and `Signed-Fields` (the field names in signing order). The signing string
is `timestamp=<Timestamp>` then `&name=value` per field, values as Python `str()` (no URL
encoding, no sorting). For GET and DELETE the query parameters are the fields. Absent
optional fields (None) are left out of both the body and Signed-Fields.

Result codes: `000` success, `111`/`927` in progress, `999` ambiguous (ask order-status
later), anything else failed. Transport: one module-level `requests.Session`, timeouts
connect 3 s / read 10 s, exactly one retry on connection errors for idempotent calls only
(order-status, cancel-order, list-orders). Errors: `SelcomUnavailable` (connection errors,
timeouts, 5xx, non-JSON answers; both map to 502 GATEWAY_ERROR) and `SelcomRejected` (a
failed result code, carrying `resultcode` and Selcom's message). Neither messages nor logs
ever contain the key, the secret, the digest or the Authorization header.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import time
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from chapchap.observability import logger
from chapchap.phone import normalize_phone
# The answers' meanings and the signing live beside the client; their names stay reachable
# here (selcom.sign, selcom.OrderStatus, ...), where the payment modules and tests use them.
from chapchap.payments.selcom_results import (  # noqa: F401 - re-exported
    SUCCESS_CODES, IN_PROGRESS_CODES, AMBIGUOUS_CODES, Outcome, classify, SelcomUnavailable,
    SelcomAmbiguous, SelcomRejected, CreatedOrder, PushResult, CancelResult, OrderStatus, Billing)
from chapchap.payments.selcom_signing import (  # noqa: F401 - re-exported
    DIGEST_METHOD, SELCOM_TIMEZONE, Fields, format_timestamp, _items, signing_string, digest,
    authorization, sign, _header, verify_webhook_signature)

if TYPE_CHECKING:  # requests is imported on the first outbound call, not at cold start
    import requests

SANDBOX_BASE_URL = "https://apigwtest.selcommobile.com/v1"
LIVE_BASE_URL = "https://apigw.selcommobile.com/v1"
DEFAULT_CONNECT_TIMEOUT = 3.0
DEFAULT_READ_TIMEOUT = 10.0
_RETRY_PAUSE_SECONDS = 0.05
_MAX_MESSAGE_CHARS = 200

# One connection pool per container, shared by every client instance, made on first use
# (functions that only read payments never pay for importing requests).
_session: requests.Session | None = None


def _shared_session() -> requests.Session:
    global _session
    if _session is None:
        import requests

        _session = requests.Session()
    return _session


# --------------------------------------------------------------------------- helpers


def encode_url(url: str) -> str:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError("URL must be an absolute http(s) URL")
    return base64.b64encode(url.encode("utf-8")).decode("ascii")


def decode_url(value: str | None) -> str | None:
    """Decode a base64 URL from Selcom; a value that is already a plain URL passes through."""
    if not value:
        return None
    if value.startswith(("http://", "https://")):
        return value
    try:
        padded = value + "=" * (-len(value) % 4)
        return base64.b64decode(padded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return value


def _amount(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("amount must be an integer number of TZS (not a float, string or bool)")
    if value <= 0:
        raise ValueError("amount must be positive")
    return value


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer")
    return value


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string")
    return value.strip()


def _int_or_none(value: Any) -> int | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if number != number.to_integral_value():
        return None
    return int(number)


def _str_or_none(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _first(data: Any) -> dict:
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return data[0]
    if isinstance(data, dict):
        return data
    return {}


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name)
    try:
        return float(raw) if raw not in (None, "") else default
    except ValueError:
        return default


def webhook_secret() -> str | None:
    """The secret that checks webhook signatures, or None when none is configured.

    `SELCOM_WEBHOOK_SECRET` in the environment, else the `selcom-webhook-secret` parameter.
    Never raises: an unconfigured (or unreadable) secret means "do not verify".
    """
    value = os.environ.get("SELCOM_WEBHOOK_SECRET")
    if value:
        return value
    try:
        from chapchap.secretstore import get_secret

        return get_secret("selcom-webhook-secret") or None
    except Exception:  # noqa: BLE001 - unconfigured or unreadable: not verified, never a crash
        logger.info("selcom webhook secret not configured")
        return None


# --------------------------------------------------------------------------- the client


class SelcomClient:
    def __init__(self, *, base_url: str, api_key: str, api_secret: str, vendor: str,
                 webhook_secret: str | None = None,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
                 read_timeout: float = DEFAULT_READ_TIMEOUT,
                 currency: str = "TZS",
                 session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._api_secret = api_secret
        self.vendor = vendor
        self._webhook_secret = webhook_secret
        self.timeout = (float(connect_timeout), float(read_timeout))
        self.currency = currency
        self._given_session = session

    def __repr__(self) -> str:  # never the key or the secret
        return f"SelcomClient(base_url={self.base_url!r}, vendor={self.vendor!r})"

    @classmethod
    def from_settings(cls) -> "SelcomClient":
        from chapchap.secretstore import get_secret
        from chapchap.settings import settings

        return cls(
            base_url=os.environ.get("SELCOM_BASE_URL") or SANDBOX_BASE_URL,
            api_key=get_secret("selcom-api-key"),
            api_secret=get_secret("selcom-api-secret"),
            vendor=get_secret("selcom-vendor"),
            webhook_secret=webhook_secret(),
            connect_timeout=_float_env("SELCOM_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT),
            read_timeout=_float_env("SELCOM_READ_TIMEOUT", DEFAULT_READ_TIMEOUT),
            currency=settings().currency,
        )

    # ----------------------------------------------------------------- calls

    def create_order_minimal(self, order_id: str, buyer_email: str, buyer_name: str, buyer_phone: str,
                             amount: int, webhook_url: str, redirect_url: str | None = None,
                             cancel_url: str | None = None, expiry_minutes: int | None = 60,
                             remarks: str | None = None, *, merchant_remarks: str | None = None,
                             no_of_items: int = 1, currency: str | None = None) -> CreatedOrder:
        """A mobile-money order (`POST /checkout/create-order-minimal`). Never retried."""
        fields = self._order_fields(order_id, buyer_email, buyer_name, buyer_phone, amount, currency,
                                    webhook_url, redirect_url, cancel_url, remarks, merchant_remarks)
        fields.append(("no_of_items", _positive_int("no_of_items", no_of_items)))
        if expiry_minutes is not None:
            fields.append(("expiry", _positive_int("expiry_minutes", expiry_minutes)))
        return self._created("create-order-minimal", "/checkout/create-order-minimal", fields, order_id)

    def create_order(self, order_id: str, buyer_email: str, buyer_name: str, buyer_phone: str,
                     amount: int, webhook_url: str, redirect_url: str | None = None,
                     cancel_url: str | None = None, expiry_minutes: int | None = 60,
                     remarks: str | None = None, *, billing: Billing | Mapping[str, Any] | None = None,
                     payment_methods: str = "ALL", buyer_userid: str | None = None,
                     gateway_buyer_uuid: str | None = None, merchant_remarks: str | None = None,
                     no_of_items: int = 1, currency: str | None = None) -> CreatedOrder:
        """An order payable by card or mobile money (`POST /checkout/create-order`). Never retried.

        Card payments without billing details are rejected by Selcom, so `billing.*` is always
        sent: from `billing` when given, else derived from the buyer (name split in two, the
        buyer's phone, Dar es Salaam, TZ).
        """
        name = _text("buyer_name", buyer_name)
        fields = self._order_fields(order_id, buyer_email, name, buyer_phone, amount, currency,
                                    webhook_url, redirect_url, cancel_url, remarks, merchant_remarks)
        # Selcom's documented order: buyer_userid after buyer_name, gateway_buyer_uuid after phone.
        fields.insert(4, ("buyer_userid", buyer_userid))
        fields.insert(6, ("gateway_buyer_uuid", gateway_buyer_uuid))
        fields.insert(9, ("payment_methods", _text("payment_methods", payment_methods).upper()))
        if billing is None:
            first, _, last = name.partition(" ")
            billing = Billing(firstname=first, lastname=last.strip() or first, phone=buyer_phone)
        elif isinstance(billing, Mapping):
            billing = Billing(**{"phone": buyer_phone, **billing})
        fields.extend(billing.fields())
        fields.append(("no_of_items", _positive_int("no_of_items", no_of_items)))
        if expiry_minutes is not None:
            fields.append(("expiry", _positive_int("expiry_minutes", expiry_minutes)))
        return self._created("create-order", "/checkout/create-order", fields, order_id)

    def wallet_payment(self, order_id: str, msisdn: str, transid: str) -> PushResult:
        """Push a USSD prompt to the payer's phone (`POST /checkout/wallet-payment`). Never retried.

        Returns the push's outcome (usually IN_PROGRESS, `111`); a failed code raises SelcomRejected.
        """
        fields = [("transid", _text("transid", transid)), ("order_id", _text("order_id", order_id)),
                  ("msisdn", normalize_phone(msisdn))]
        body = self._call("wallet-payment", "POST", "/checkout/wallet-payment", fields, order_id,
                          idempotent=False)
        return self._reply("wallet-payment", body)

    def order_status(self, order_id: str) -> OrderStatus:
        """`GET /checkout/order-status`: retried once on a connection error."""
        order_id = _text("order_id", order_id)
        body = self._call("order-status", "GET", "/checkout/order-status", [("order_id", order_id)],
                          order_id, idempotent=True)
        code = str(body.get("resultcode", body.get("resulcode", "")))
        outcome = classify(code)
        if outcome is Outcome.FAILED:
            raise self._rejected("order-status", body)
        row = _first(body.get("data"))
        status = _str_or_none(row.get("payment_status"))
        if not row or status is None:
            raise SelcomAmbiguous("The payment gateway has no status for this order yet",
                                  call="order-status", resultcode=code)
        return OrderStatus(
            order_id=str(row.get("order_id") or order_id),
            payment_status=status.strip().upper(),
            amount=_int_or_none(row.get("amount")),
            currency=_str_or_none(row.get("currency")),
            transid=_str_or_none(row.get("transid")),
            channel=_str_or_none(row.get("channel")),
            reference=_str_or_none(row.get("reference")),
            phone=_str_or_none(row.get("phone") or row.get("msisdn")),
            creation_date=_str_or_none(row.get("creation_date")),
            resultcode=code,
            raw=body,
        )

    def cancel_order(self, order_id: str) -> CancelResult:
        """`DELETE /checkout/cancel-order`: retried once on a connection error."""
        order_id = _text("order_id", order_id)
        body = self._call("cancel-order", "DELETE", "/checkout/cancel-order", [("order_id", order_id)],
                          order_id, idempotent=True)
        return self._reply("cancel-order", body)

    def list_orders(self, fromdate: str, todate: str) -> list[dict]:
        """`GET /checkout/list-orders?fromdate=YYYY-MM-DD&todate=YYYY-MM-DD` (raw rows)."""
        body = self._call("list-orders", "GET", "/checkout/list-orders",
                          [("fromdate", _text("fromdate", fromdate)), ("todate", _text("todate", todate))],
                          None, idempotent=True)
        if classify(body.get("resultcode")) is Outcome.FAILED:
            raise self._rejected("list-orders", body)
        data = body.get("data")
        return [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []

    def verify_webhook(self, headers: Mapping[str, Any], body: Mapping[str, Any] | str | bytes) -> bool | None:
        """None when no webhook secret is configured (not checked), else the signature's validity."""
        if not self._webhook_secret:
            return None
        return verify_webhook_signature(headers, body, self._api_key, self._webhook_secret)

    @property
    def webhook_secret_configured(self) -> bool:
        return bool(self._webhook_secret)

    # ----------------------------------------------------------------- internals

    def _order_fields(self, order_id, buyer_email, buyer_name, buyer_phone, amount, currency,
                      webhook_url, redirect_url, cancel_url, remarks, merchant_remarks) -> list[tuple[str, Any]]:
        return [
            ("vendor", self.vendor),
            ("order_id", _text("order_id", order_id)),
            ("buyer_email", _text("buyer_email", buyer_email)),
            ("buyer_name", _text("buyer_name", buyer_name)),
            ("buyer_phone", normalize_phone(buyer_phone)),
            ("amount", _amount(amount)),
            ("currency", _text("currency", currency or self.currency).upper()),
            ("redirect_url", encode_url(redirect_url) if redirect_url else None),
            ("cancel_url", encode_url(cancel_url) if cancel_url else None),
            ("webhook", encode_url(_text("webhook_url", webhook_url))),
            ("buyer_remarks", remarks or None),
            ("merchant_remarks", merchant_remarks or None),
        ]

    def _created(self, call: str, path: str, fields: list[tuple[str, Any]], order_id: str) -> CreatedOrder:
        body = self._call(call, "POST", path, fields, order_id, idempotent=False)
        code = str(body.get("resultcode", ""))
        outcome = classify(code)
        if outcome is Outcome.FAILED:
            raise self._rejected(call, body)
        row = _first(body.get("data"))
        if outcome is not Outcome.SUCCESS or not row:
            raise SelcomAmbiguous("The payment gateway did not confirm the order; it will be checked again",
                                  call=call, resultcode=code)
        return CreatedOrder(
            reference=_str_or_none(body.get("reference")),
            payment_gateway_url=decode_url(_str_or_none(row.get("payment_gateway_url"))),
            payment_token=_str_or_none(row.get("payment_token")),
            gateway_buyer_uuid=_str_or_none(row.get("gateway_buyer_uuid")),
            qr=_str_or_none(row.get("qr")),
            raw=body,
        )

    def _reply(self, call: str, body: dict) -> PushResult:
        code = str(body.get("resultcode", body.get("resulcode", "")))
        outcome = classify(code)
        if outcome is Outcome.FAILED:
            raise self._rejected(call, body)
        return PushResult(outcome=outcome, resultcode=code, result=_str_or_none(body.get("result")),
                          message=_str_or_none(body.get("message")),
                          reference=_str_or_none(body.get("reference")), raw=body)

    def _rejected(self, call: str, body: dict, status_code: int | None = None) -> SelcomRejected:
        message = body.get("message")
        message = str(message)[:_MAX_MESSAGE_CHARS] if message else ""
        for secret in (self._api_key, self._api_secret, self._webhook_secret):
            if secret and secret in message:
                message = message.replace(secret, "[redacted]")
        code = str(body.get("resultcode", body.get("resulcode", "")) or "unknown")
        return SelcomRejected(call=call, resultcode=code, gateway_message=message, status_code=status_code)

    def _call(self, call: str, method: str, path: str, fields: Iterable[tuple[str, Any]],
              order_id: str | None, *, idempotent: bool) -> dict:
        items = [(name, value) for name, value in fields if value is not None]
        url = self.base_url + path
        attempts = 2 if idempotent else 1
        for attempt in range(1, attempts + 1):
            headers = sign(self._api_key, self._api_secret, items)
            headers["Accept"] = "application/json"
            kwargs: dict[str, Any] = {"headers": headers, "timeout": self.timeout, "allow_redirects": False}
            if method in ("GET", "DELETE"):
                kwargs["params"] = [(name, str(value)) for name, value in items]
            else:
                headers["Content-Type"] = "application/json"
                kwargs["data"] = json.dumps(dict(items), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            started = time.perf_counter()
            import requests

            try:
                response = (self._given_session or _shared_session()).request(method, url, **kwargs)
            except requests.exceptions.ConnectionError as exc:  # includes ConnectTimeout
                self._log(call, order_id, started, attempt=attempt, error="connection")
                if attempt < attempts:
                    time.sleep(_RETRY_PAUSE_SECONDS)
                    continue
                raise SelcomUnavailable(call=call, reason="connection") from exc
            except requests.exceptions.Timeout as exc:  # read timeout: the call may have happened
                self._log(call, order_id, started, attempt=attempt, error="timeout")
                raise SelcomUnavailable(call=call, reason="timeout") from exc
            except requests.exceptions.RequestException as exc:
                self._log(call, order_id, started, attempt=attempt, error=type(exc).__name__)
                raise SelcomUnavailable(call=call, reason="request") from exc
            return self._parse(call, order_id, response, started, attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _parse(self, call: str, order_id: str | None, response: requests.Response, started: float,
               attempt: int) -> dict:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        code = body.get("resultcode", body.get("resulcode")) if isinstance(body, dict) else None
        self._log(call, order_id, started, attempt=attempt, status_code=status, resultcode=code)
        if status >= 500:
            raise SelcomUnavailable(call=call, reason="server_error", status_code=status)
        if not isinstance(body, dict):
            raise SelcomUnavailable(call=call, reason="not_json", status_code=status)
        if status >= 400:
            if code is None:
                raise SelcomUnavailable(call=call, reason=f"http_{status}", status_code=status)
            if classify(code) is not Outcome.FAILED:
                raise SelcomUnavailable(call=call, reason=f"http_{status}", status_code=status)
            raise self._rejected(call, body, status)
        return body

    @staticmethod
    def _log(call: str, order_id: str | None, started: float, *, attempt: int, status_code: int | None = None,
             resultcode: Any = None, error: str | None = None) -> None:
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        extra = {"selcom_call": call, "order_id": order_id, "status_code": status_code,
                 "resultcode": None if resultcode is None else str(resultcode), "elapsed_ms": elapsed_ms,
                 "attempt": attempt}
        if error:
            extra["error"] = error
            logger.warning("selcom call failed", extra=extra)
        else:
            logger.info("selcom call", extra=extra)


_client: SelcomClient | None = None


def client() -> SelcomClient:
    """The container's client, built from settings on first use."""
    global _client
    if _client is None:
        _client = SelcomClient.from_settings()
    return _client


def reset_client() -> None:
    global _client
    _client = None
