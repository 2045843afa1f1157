"""What the API answers: the `data` of each success and the error envelope, as pydantic models.

Documentation only: no handler imports this module (so no cold start pays for it). The
OpenAPI generator (`local/openapi.py`) turns them into components, and a route names the
model of its `data` in its decorator (`responses=doc("Cv")`, see `chapchap/http/apidoc.py`).
The objects are the ones of docs/api.md; they forbid extra fields, so a field added to a
response without being documented here fails the conformance test (tests/unit/test_openapi.py).
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Timestamp = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$",
                                 description="ISO 8601 in UTC with Z", examples=["2026-11-22T07:30:00.000Z"])]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["TZS"])]
Url = Annotated[str, Field(description="absolute URL")]


class Out(BaseModel):
    """A response object: exactly these fields."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- errors and list metadata
class ErrorBody(Out):
    code: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$", examples=["VALIDATION_FAILED"])]
    message: Annotated[str, Field(description="a human sentence, safe to show")]
    details: Annotated[list[dict[str, Any]], Field(
        description="one entry per problem; validation errors name `field`, `location`, `message`, `type`")]


class ErrorEnvelope(Out):
    """Every error: `{"error": {"code", "message", "details"}}`."""

    error: ErrorBody


class ListMeta(Out):
    limit: Annotated[int, Field(ge=1, le=100)]
    next_cursor: Annotated[str | None, Field(description="opaque; pass as `cursor` for the next page")]
    total: Annotated[int | None, Field(ge=0, description="where a counter gives it for free")] = None


# ---------------------------------------------------------------- objects
class User(Out):
    id: str
    email: str
    full_name: str
    phone_number: Annotated[str | None, Field(description="E.164, e.g. +255754100200")]
    role: Literal["user", "admin"]
    status: Literal["active", "suspended"]
    created_at: Timestamp
    last_login: Timestamp | None
    locale: Annotated[Literal["sw", "en"], Field(description="language of the SMS and emails we send")]


class Cv(Out):
    id: str
    title: str
    template_id: str
    content: Annotated[dict[str, Any], Field(description="JSON Resume; unknown keys kept as sent")]
    content_version: Annotated[int, Field(ge=1)]
    is_paid: bool
    pdf_status: Literal["none", "rendering", "ready", "failed"]
    download_count: Annotated[int, Field(ge=0)]
    created_at: Timestamp
    updated_at: Timestamp
    deleted_at: Annotated[Timestamp | None, Field(
        description="only in `GET /api/cvs?deleted=true`: when you deleted it")] = None
    restorable_until: Annotated[Timestamp | None, Field(
        description="only in `GET /api/cvs?deleted=true`: the last moment `POST /api/cvs/{id}/restore` "
                    "brings it back (an unpaid CV is purged after it)")] = None


class Price(Out):
    amount: Annotated[int, Field(ge=0, description="whole shillings")]
    currency: Currency


class Template(Out):
    id: str
    name: str
    description: str
    thumbnail_url: str | None
    layout: Annotated[str, Field(examples=["classic", "modern", "compact"])]
    theme: Annotated[dict[str, Any], Field(description="colours and fonts for the live preview")]
    price: Price


class Payment(Out):
    id: Annotated[str, Field(description="the reference (Selcom's order_id)", examples=["CVK7F3M9QX"])]
    reference: str
    cv_id: str
    amount: Annotated[int, Field(ge=0, description="what this payment charges: the template's price, or for "
                                                 "an upgrade the difference to what the CV was paid up to")]
    currency: Currency
    template_id: Annotated[str | None, Field(description="the template this payment pays for")]
    template_price: Annotated[int, Field(ge=0, description="that template's price when the payment was made "
                                                           "(amount + what the CV was paid up to before)")]
    method: Literal["mobile_money", "card"]
    status: Literal["pending", "completed", "failed", "cancelled", "expired"]
    transaction_id: str | None
    created_at: Timestamp
    completed_at: Timestamp | None


# ---------------------------------------------------------------- `data` of each answer
class Health(Out):
    status: Literal["ok"]
    version: str
    stage: str
    time: Timestamp


class AuthSession(Out):
    """A sign-in: register, login and refresh."""

    user: User
    access_token: Annotated[str, Field(description="JWT for `Authorization: Bearer`")]
    refresh_token: str
    token_type: Literal["bearer"]
    expires_in: Annotated[int, Field(description="seconds")]


class UserData(Out):
    user: User


class CvData(Out):
    cv: Cv


class PreviewPage(Out):
    url: Annotated[Url, Field(description="presigned GET of the PNG, valid 5 minutes")]
    width: Annotated[int, Field(ge=1, le=1000, description="pixels")]
    height: Annotated[int, Field(ge=1, description="pixels")]


class CvPreview(Out):
    """The CV as it will print, page by page, as PNG images marked PREVIEW."""

    pages: list[PreviewPage]
    page_count: Annotated[int, Field(ge=1)]
    content_version: Annotated[int, Field(ge=1, description="the version these images show")]


class CvCreated(Out):
    cv: Cv
    anonymous_id: Annotated[str | None, Field(
        description="only for an anonymous CV: keep it and send it as X-Anonymous-Id")] = None


class PresignedPost(Out):
    url: Url
    fields: Annotated[dict[str, str], Field(description="form fields to send with the file")]
    key: Annotated[str, Field(description="put it in content.basics.image")]
    expires_at: Timestamp


class UssdPush(Out):
    sent: bool
    phone: str
    message: str | None = None


class PaymentStarted(Out):
    payment: Payment
    checkout_url: Annotated[str | None, Field(description="Selcom's checkout page")]
    ussd_push: UssdPush


class PaymentData(Out):
    payment: Payment


class Download(Out):
    url: Annotated[Url, Field(description="presigned, valid five minutes")]
    expires_at: Timestamp
    filename: str
    download_count: Annotated[int, Field(ge=1)]


class Rendering(Out):
    status: Literal["rendering"]


class Share(Out):
    """A paid CV's public link (docs/sharing.md)."""

    slug: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{16}$", description="96 random bits, URL-safe")]
    url: Annotated[Url, Field(description="the frontend's public page: FRONTEND_BASE_URL/s/{slug}")]
    qr_svg_url: Annotated[Url, Field(description="the QR code of `url` as SVG; presigned, valid five minutes")]
    qr_png_url: Annotated[Url, Field(description="the QR code of `url` as PNG; presigned, valid five minutes")]
    created_at: Timestamp
    views: Annotated[int, Field(ge=0, description="views counted (one per viewer per 30 minutes)")]


class ShareData(Out):
    share: Share


class ShareView(Out):
    at: Timestamp
    referrer_host: Annotated[str | None, Field(description="the host of the page the visitor came from")]
    country: Annotated[str | None, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, when known")]
    device: Literal["mobile", "tablet", "desktop", "bot"]


class PublicCv(Out):
    """What a share link shows anyone: never the owner's contact details or ids."""

    name: Annotated[str | None, Field(description="content.basics.name")]
    label: Annotated[str | None, Field(description="content.basics.label (the job title)")]
    template_id: str
    pdf_url: Annotated[Url, Field(description="the CV's last rendered PDF; presigned, valid five minutes")]
    expires_at: Timestamp


class Link(Out):
    url: Annotated[Url, Field(description="presigned, valid five minutes")]
    expires_at: Timestamp


class ResetRequested(Out):
    sent: Annotated[Literal[True], Field(description="always true: the answer never says whether the account exists")]


class CallbackAck(Out):
    received: bool
