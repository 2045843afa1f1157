"""Configuration from the environment (template.yaml Globals), read once per container.

Secrets are not here: see `secrets.py`, which reads them from SSM Parameter Store in AWS
and from the environment locally.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    stage: str
    table_name: str
    bucket_name: str
    pdf_queue_url: str
    secrets_path: str
    business_timezone: str
    bcrypt_rounds: int
    access_token_ttl: int
    refresh_token_ttl: int
    max_body_bytes: int
    login_window_seconds: int
    login_max_failures_per_email: int
    login_max_failures_per_ip: int
    login_max_delay_seconds: int
    status_check_interval_seconds: int
    prompt_window_seconds: int
    prompts_per_cv: int
    prompts_per_user: int
    prompts_per_foreign_phone: int
    public_base_url: str
    version: str
    default_price: int
    currency: str
    notify_queue_url: str
    frontend_base_url: str
    mail_from: str
    sms_provider: str
    sms_sender_id: str
    at_base_url: str
    at_username: str
    analysis_queue_url: str


@cache
def settings() -> Settings:
    from chapchap import __version__

    return Settings(
        stage=os.environ.get("STAGE", "dev"),
        table_name=os.environ.get("TABLE_NAME", "cvchapchap"),
        bucket_name=os.environ.get("BUCKET_NAME", "cvchapchap"),
        pdf_queue_url=os.environ.get("PDF_QUEUE_URL", ""),
        secrets_path=os.environ.get("SECRETS_PATH", "/cvchapchap/dev").rstrip("/"),
        business_timezone=os.environ.get("BUSINESS_TIMEZONE", "Africa/Dar_es_Salaam"),
        bcrypt_rounds=_int("BCRYPT_ROUNDS", 12),
        access_token_ttl=_int("ACCESS_TOKEN_TTL_SECONDS", 15 * 60),
        refresh_token_ttl=_int("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600),
        max_body_bytes=_int("MAX_BODY_BYTES", 256 * 1024),
        login_window_seconds=_int("LOGIN_WINDOW_SECONDS", 15 * 60),
        login_max_failures_per_email=_int("LOGIN_MAX_FAILURES_PER_EMAIL", 5),
        login_max_failures_per_ip=_int("LOGIN_MAX_FAILURES_PER_IP", 20),
        login_max_delay_seconds=_int("LOGIN_MAX_DELAY_SECONDS", 60),
        # Selcom's order-status is asked about one payment at most once per interval (verify
        # and webhooks share it).
        status_check_interval_seconds=_int("PAYMENT_STATUS_CHECK_INTERVAL_SECONDS", 5),
        # Payment prompts (each one a Selcom order, by mobile money a USSD push to a phone).
        prompt_window_seconds=_int("PAYMENT_PROMPT_WINDOW_SECONDS", 3600),
        prompts_per_cv=_int("PAYMENT_PROMPTS_PER_CV", 5),
        prompts_per_user=_int("PAYMENT_PROMPTS_PER_USER", 10),
        prompts_per_foreign_phone=_int("PAYMENT_PROMPTS_PER_FOREIGN_PHONE", 3),
        public_base_url=os.environ.get("PUBLIC_BASE_URL", "").rstrip("/"),
        version=os.environ.get("APP_VERSION", __version__),
        default_price=_int("DEFAULT_PRICE_TZS", 5000),
        currency="TZS",
        notify_queue_url=os.environ.get("NOTIFY_QUEUE_URL", ""),
        frontend_base_url=os.environ.get("FRONTEND_BASE_URL", "http://localhost:5173").rstrip("/"),
        mail_from=os.environ.get("MAIL_FROM", ""),
        sms_provider=os.environ.get("SMS_PROVIDER", "africastalking").strip().lower(),
        sms_sender_id=os.environ.get("SMS_SENDER_ID", ""),
        at_base_url=os.environ.get("AT_BASE_URL", "https://api.africastalking.com").rstrip("/"),
        at_username=os.environ.get("AT_USERNAME", "sandbox"),
        analysis_queue_url=os.environ.get("ANALYSIS_QUEUE_URL", ""),
    )
