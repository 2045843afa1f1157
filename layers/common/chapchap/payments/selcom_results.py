"""What Selcom's answers mean: result codes to outcomes, the gateway's errors, and the
typed results of each call (no I/O). The names are also reachable as
`chapchap.payments.selcom.<name>`."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from chapchap.errors import GatewayError
from chapchap.phone import normalize_phone

SUCCESS_CODES = frozenset({"000"})
IN_PROGRESS_CODES = frozenset({"111", "927"})
AMBIGUOUS_CODES = frozenset({"999"})


# --------------------------------------------------------------------------- outcomes


class Outcome(str, Enum):
    """What a Selcom result code means for us."""

    SUCCESS = "success"
    IN_PROGRESS = "in_progress"
    AMBIGUOUS = "ambiguous"
    FAILED = "failed"


def classify(resultcode: object) -> Outcome:
    code = "" if resultcode is None else str(resultcode).strip()
    if code in SUCCESS_CODES:
        return Outcome.SUCCESS
    if code in IN_PROGRESS_CODES:
        return Outcome.IN_PROGRESS
    if code in AMBIGUOUS_CODES:
        return Outcome.AMBIGUOUS
    return Outcome.FAILED


# --------------------------------------------------------------------------- errors


class SelcomUnavailable(GatewayError):
    """Selcom could not be reached or gave no usable answer (connection, timeout, 5xx, non-JSON)."""

    def __init__(self, message: str = "The payment gateway is unavailable, please try again shortly",
                 *, call: str | None = None, reason: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.call = call
        self.reason = reason
        self.status_code = status_code


class SelcomAmbiguous(SelcomUnavailable):
    """Selcom answered "in progress" or "ambiguous" where a definite answer was needed.

    The order may or may not exist: ask order-status later rather than creating it again.
    """

    def __init__(self, message: str, *, call: str | None = None, resultcode: str | None = None):
        super().__init__(message, call=call, reason="ambiguous")
        self.resultcode = resultcode


class SelcomRejected(GatewayError):
    """Selcom refused the request with a failed result code. The message is safe to show."""

    def __init__(self, *, call: str, resultcode: str, gateway_message: str, status_code: int | None = None):
        self.call = call
        self.resultcode = resultcode
        self.gateway_message = gateway_message
        self.status_code = status_code
        text = f"The payment gateway refused the request (code {resultcode})"
        if gateway_message:
            text += f": {gateway_message}"
        super().__init__(text, details=[{"resultcode": resultcode, "message": gateway_message}])


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CreatedOrder:
    reference: str | None
    payment_gateway_url: str | None  # decoded from base64
    payment_token: str | None
    raw: dict = field(repr=False)
    gateway_buyer_uuid: str | None = None
    qr: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PushResult:
    """The answer to a USSD push (wallet-payment), or to a cancel-order."""

    outcome: Outcome
    resultcode: str
    result: str | None
    message: str | None
    reference: str | None
    raw: dict = field(repr=False)

    @property
    def accepted(self) -> bool:
        return self.outcome in (Outcome.SUCCESS, Outcome.IN_PROGRESS)


CancelResult = PushResult


@dataclass(frozen=True)
class OrderStatus:
    order_id: str
    payment_status: str  # upper-cased; only COMPLETED means paid
    amount: int | None
    currency: str | None
    transid: str | None
    channel: str | None
    reference: str | None
    phone: str | None
    raw: dict = field(repr=False)
    creation_date: str | None = None
    resultcode: str | None = None

    @property
    def is_paid(self) -> bool:
        return self.payment_status == "COMPLETED"


@dataclass(frozen=True)
class Billing:
    """Card billing details (`billing.*` on the wire; all mandatory but address_2)."""

    firstname: str
    lastname: str
    phone: str
    address_1: str = "Dar es Salaam"
    city: str = "Dar es Salaam"
    state_or_region: str = "Dar es Salaam"
    postcode_or_pobox: str = "11101"
    country: str = "TZ"
    address_2: str | None = None

    def fields(self) -> list[tuple[str, Any]]:
        return [
            ("billing.firstname", self.firstname),
            ("billing.lastname", self.lastname),
            ("billing.address_1", self.address_1),
            ("billing.address_2", self.address_2),
            ("billing.city", self.city),
            ("billing.state_or_region", self.state_or_region),
            ("billing.postcode_or_pobox", self.postcode_or_pobox),
            ("billing.country", self.country),
            ("billing.phone", normalize_phone(self.phone)),
        ]
