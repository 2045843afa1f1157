"""What the admin endpoints answer: the `data` (and `meta`) of each, as pydantic models.

Documentation only, like `responses.py`: the admin handlers never import this module (they
load no pydantic at cold start for their read-only views); `local/openapi.py` turns these
into components. Each field is what the code in `chapchap/admin_*.py`, `analytics.py`,
`reports.py` and `chapchap/admin/settings.py` puts there, and every key is always present unless its
model says otherwise; tests/unit/test_openapi.py validates the real answers against them.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, RootModel

from chapchap.models.responses import Currency, Cv, Out, Payment, Template, Timestamp, User

Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="a business day, YYYY-MM-DD",
                           examples=["2026-11-22"])]
Count = Annotated[int, Field(ge=0)]


def _optional_keys(schema: dict[str, Any]) -> None:
    """A field that defaults to None here is a key left out, never a null: no `default`."""
    for prop in schema.get("properties", {}).values():
        if prop.get("default", 0) is None:
            del prop["default"]


Share = Annotated[float, Field(description="a fraction, rounded to 4 places; 0 when the whole is 0")]


# ---------------------------------------------------------------- users, CVs, audit
class AdminCv(Cv):
    """The `cv` object plus who holds it and whether it was deleted."""

    user_id: Annotated[str | None, Field(description="null for an anonymous or unowned CV")]
    anonymous_id: str | None
    former_user_id: Annotated[str | None, Field(description="the deleted user who owned it")]
    deleted_at: Timestamp | None


class AdminCvData(Out):
    cv: AdminCv


class AuditEntry(Out):
    id: str
    at: Timestamp
    actor_id: str
    actor_email: str | None
    action: Annotated[str, Field(examples=["user.update", "cv.update", "template.delete", "settings.update"])]
    entity: Annotated[str, Field(examples=["user", "cv", "template", "settings"])]
    entity_id: str
    before: Annotated[dict[str, Any] | None, Field(
        description="open: the API object (or its changed fields) before the change, as the entity's "
                    "own shape; secrets masked; null for a creation")]
    after: Annotated[dict[str, Any] | None, Field(description="open, as `before`; null for a deletion")]
    reason: str | None


# ---------------------------------------------------------------- templates
class AdminTemplate(Template):
    own_price: Annotated[int | None, Field(ge=0, description="null: the default price applies")]
    is_active: bool
    sort: int
    created_at: Timestamp | None
    updated_at: Timestamp | None
    cvs_count: Count
    live_cvs: Annotated[int, Field(ge=0, description="CVs using it now: a delete is refused while above 0")]
    paid_count: Count
    revenue: Annotated[int, Field(ge=0, description="gross")]
    refunds: Annotated[int, Field(ge=0, description="what refunds took back out of revenue")]
    net_revenue: Annotated[int, Field(description="revenue - refunds")]
    downloads: Count
    currency: Currency


class AdminTemplateData(Out):
    template: AdminTemplate


class UsageTotals(Out):
    cvs: int
    paid_cvs: int
    revenue: Annotated[int, Field(description="gross")]
    downloads: int
    refunds: int
    net_revenue: Annotated[int, Field(description="revenue - refunds")]


class TemplateUsageRow(UsageTotals):
    template_id: Annotated[str | None, Field(description="null for the row of deleted templates")]
    name: str
    is_active: bool
    cvs_share: Share
    paid_share: Share
    revenue_share: Share
    conversion: Annotated[float, Field(description="paid_cvs / cvs, rounded to 4 places")]


class TemplateUsage(Out):
    currency: Currency
    totals: UsageTotals
    templates: list[TemplateUsageRow]
    deleted_templates: Annotated[TemplateUsageRow | None, Field(
        description="what templates deleted since still account for; null when nothing")]


class PopularTemplate(Out):
    template_id: str
    name: str
    cvs: Count
    paid_cvs: Count
    revenue: Count
    is_active: bool


class AdminStats(Out):
    total_users: Count
    total_cvs: Count
    total_revenue: Annotated[int, Field(ge=0, description="gross: every completed payment")]
    total_refunds: Annotated[int, Field(ge=0, description="what refunds took back out of revenue")]
    net_revenue: Annotated[int, Field(description="total_revenue - total_refunds")]
    paid_cvs: Count
    total_downloads: Count
    cvs_today: Count
    active_users_today: Count
    revenue_today: Count
    refunds_today: Count
    net_revenue_today: Annotated[int, Field(description="revenue_today - refunds_today (below zero on a day "
                                                        "that refunds earlier revenue)")]
    new_users_today: Count
    paid_cvs_today: Count
    downloads_today: Count
    currency: Currency
    popular_templates: Annotated[list[PopularTemplate], Field(max_length=5)]
    business_date: Day
    time_zone: Annotated[str, Field(examples=["Africa/Dar_es_Salaam"])]
    as_of: Timestamp


# ---------------------------------------------------------------- payments and reports
class PaymentMismatch(Out):
    """What Selcom reported against what was expected (keys without a value are left out)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_optional_keys)

    expected_amount: int = None
    reported_amount: int = None
    expected_currency: str = None
    reported_currency: str = None
    transaction_id: str = None
    seen_by: Literal["webhook", "verify", "reconciliation", "recheck"] = None
    seen_at: Timestamp = None


class PaymentResolution(Out):
    """An admin's resolution of a payment (final: a second one is a 409)."""

    action: Literal["refunded", "dismissed"]
    reason: str
    refund_reference: Annotated[str | None, Field(description="the refund's own reference (Selcom, M-Pesa...)")]
    refunded_amount: Annotated[int, Field(ge=0, description="what the refund took out of revenue: the amount, "
                                                            "a duplicate's refund_due, 0 for a mismatch (never "
                                                            "counted) or a dismissal")]
    flag: Annotated[Literal["mismatch", "duplicate"] | None, Field(description="the flag it resolved")]
    refund_due: Annotated[int | None, Field(ge=0, description="the duplicate's refund_due when resolved")]
    at: Timestamp
    by: Annotated[str, Field(description="the admin's user id")]


class AdminPayment(Payment):
    user_id: str | None
    buyer_email: str | None
    buyer_name: str | None
    phone: str | None
    cv_title: str | None
    template_id: str | None
    business_date: Day | None
    channel: str | None
    selcom_reference: str | None
    completed_by: Literal["webhook", "verify", "reconciliation", "recheck"] | None
    failure_reason: str | None
    selcom_status: str | None
    flagged: bool
    mismatch: PaymentMismatch | None
    duplicate_payment: bool
    refund_due: Annotated[int | None, Field(ge=0, description="with duplicate_payment: what this payment paid "
                                                              "beyond what the CV needed (the whole amount, or "
                                                              "an upgrade's overlap)")]
    needs_attention: Annotated[bool, Field(description="flagged or duplicate_payment")]
    resolution: Annotated[PaymentResolution | None, Field(description="set once resolved (the flags are cleared)")]
    updated_at: Timestamp | None


class AdminPaymentData(Out):
    payment: AdminPayment


class AdminPaymentsMeta(Out):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_optional_keys)

    limit: Annotated[int, Field(ge=1, le=100)]
    next_cursor: Annotated[str | None, Field(description="opaque; pass as `cursor` for the next page")]
    from_: Annotated[Day, Field(alias="from", description="the range, as resolved (absent with `q`)")] = None
    to: Day = None
    sort: Literal["created_at", "amount"] = None
    order: Literal["asc", "desc"] = None
    total: Annotated[int, Field(ge=0, description="only with sort=amount: the matching payments")] = None
    q: Annotated[str, Field(description="only with `q`: the value searched, in its stored form (a phone as "
                                        "255XXXXXXXXX, an email case-folded, anything else upper-cased)")] = None


class PaymentTimelineEvent(Out):
    at: Timestamp
    kind: Annotated[str, Field(examples=["initiated", "webhook", "status_check", "completed", "failed", "flagged",
                                         "expired", "message", "admin_action"])]
    summary: str
    details: Annotated[dict[str, Any], Field(description="open, by kind; never a signature, key or secret header")]


class AdminPaymentStory(Out):
    payment: AdminPayment
    user: Annotated[User | None, Field(description="the payer's account; null once deleted")]
    cv: Annotated[AdminCv | None, Field(description="the CV paid for")]
    timeline: Annotated[list[PaymentTimelineEvent], Field(description="oldest first")]


class PaymentsReport(Out):
    url: Annotated[str, Field(description="presigned, valid five minutes")]
    expires_at: Timestamp
    format: Literal["csv", "pdf"]
    filename: str
    payments: Count
    from_: Annotated[Day, Field(alias="from")]
    to: Day


# ---------------------------------------------------------------- analytics
class _AnalyticsTotals(Out):
    period_start: Day
    period_end: Day
    cvs_created: Count
    paid_cvs: Count
    revenue: Annotated[int, Field(ge=0, description="gross: payments completed in the period")]
    refunds: Annotated[int, Field(ge=0, description="what refunds made in the period took out of revenue")]
    refunded_payments: Count
    net_revenue: Annotated[int, Field(description="revenue - refunds (below zero when refunds of earlier "
                                                  "revenue outweigh the period's)")]
    new_users: Count
    downloads: Count


class AnalyticsDay(_AnalyticsTotals):
    """A row of period=daily."""

    active_users: Count
    template_usage: Annotated[dict[str, int], Field(description="template id -> CVs created")]
    template_revenue: Annotated[dict[str, int], Field(description="template id -> revenue")]
    template_refunds: Annotated[dict[str, int], Field(description="template id -> refunds")]
    active_user_days: Count
    active_users_through: Day
    days: Literal[1]
    source: Literal["rollup", "live", "missing"]
    partial: bool


class AnalyticsPeriod(_AnalyticsTotals):
    """A row of period=weekly or monthly."""

    active_users: Annotated[int | None, Field(ge=0, description="null until a rollup covered the period")]
    template_usage: dict[str, int]
    template_revenue: dict[str, int]
    template_refunds: dict[str, int]
    active_user_days: Count
    active_users_through: Day | None
    days: Annotated[int, Field(ge=1, le=31)]
    partial: bool


class AnalyticsRow(RootModel[AnalyticsDay | AnalyticsPeriod]):
    pass


class AnalyticsMeta(Out):
    period: Literal["daily", "weekly", "monthly"]
    from_: Annotated[Day, Field(alias="from")]
    to: Day
    time_zone: str
    currency: Currency
    active_users: Annotated[str, Field(description="how active_users is counted, in words")]
    missing_days: Annotated[list[Day], Field(description="finished days without a rollup record (zeros shown)")]


# ---------------------------------------------------------------- the funnel
class FunnelPayments(Out):
    """Payment steps of one method or network (the payer's phone number's network)."""

    payments_started: Count
    payments_completed: Count
    payments_failed: Count


class FunnelByMethod(Out):
    mobile_money: FunnelPayments
    card: FunnelPayments


class FunnelByNetwork(Out):
    vodacom: FunnelPayments
    tigo: FunnelPayments
    airtel: FunnelPayments
    halotel: FunnelPayments
    ttcl: FunnelPayments
    other: FunnelPayments


class Funnel(Out):
    anonymous_cvs: Annotated[int, Field(ge=0, description="CVs created or duplicated without an account")]
    registered_users: Annotated[int, Field(ge=0, description="accounts made by sign-up (not by an admin)")]
    cvs_handed_over: Annotated[int, Field(ge=0, description="anonymous CVs moved to an account at sign-up or sign-in")]
    payments_started: Count
    payments_completed: Count
    payments_failed: Annotated[int, Field(ge=0, description="pending payments that failed, were cancelled or expired")]
    downloads: Annotated[int, Field(ge=0, description="paid downloads by their owners (admin links excluded)")]
    by_method: FunnelByMethod
    by_network: FunnelByNetwork


class FunnelMeta(Out):
    from_: Annotated[Day, Field(alias="from")]
    to: Day
    time_zone: str
    live_days: Annotated[list[Day], Field(description="days read from the live counters (today, and "
                                                      "yesterday before its rollup ran)")]
    missing_days: Annotated[list[Day], Field(description="finished days without a rollup record holding the "
                                                         "funnel (counted as zeros: run the rollup for them)")]


# ---------------------------------------------------------------- a CV's PDF for support
class AdminPdfLink(Out):
    url: Annotated[str, Field(description="presigned, valid five minutes")]
    expires_at: Timestamp
    filename: str


# ---------------------------------------------------------------- settings
SecretSource = Literal["environment", "parameter_store", "not_set", "unavailable"]
Masked = Annotated[str | None, Field(pattern=r"^••••(.{4})?$", description="masked; null when not set")]


class SecretSources(Out):
    selcom_api_key: SecretSource
    selcom_api_secret: SecretSource
    selcom_webhook_secret: SecretSource
    openai_api_key: SecretSource
    anthropic_api_key: SecretSource
    selcom_vendor: SecretSource


class AdminSettings(Out):
    default_price: Count
    currency: Currency
    business_time_zone: str
    ai_provider: Literal["none", "openai", "anthropic"] | None
    ai_base_url: Annotated[str | None, Field(description="the resume check's model API (OpenAI-compatible); "
                                                           "null: the provider's own")]
    ai_model: Annotated[str | None, Field(description="the model the resume check asks; null: the default")]
    selcom_vendor: str | None
    selcom_api_key: Masked
    selcom_api_secret: Masked
    selcom_webhook_secret: Masked
    openai_api_key: Masked
    anthropic_api_key: Masked
    secret_sources: SecretSources
    editable: list[str]
    read_only: Annotated[dict[str, str], Field(description="field -> why it cannot be changed here")]
    updated_at: Timestamp | None
    updated_by: str | None
