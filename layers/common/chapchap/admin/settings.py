"""Business settings an admin changes at run time, and the secrets behind them.

    SETTINGS / CURRENT      non-secret settings: default_price, ai_provider, ai_base_url,
                            ai_model, version,
                            updated_at, updated_by, secrets_updated_at {field: time}

Secrets (Selcom keys, AI provider keys) are write-only: they go to SSM Parameter Store as
SecureString under `<SECRETS_PATH>/<name>`, the same names `secretstore.get_secret` reads,
through Powertools parameters. They are shown masked (`••••1a2b`), never returned, never
logged, and an audit entry holds only their masked form. Currency and the business time
zone are shown but not editable: the time zone is a deployment parameter (changing it
would move every stored date into other day and month buckets).

The default price is read (chapchap/templates/catalog.py) with one GetItem and kept for `PRICE_CACHE_SECONDS` per
container; a price change applies to payments initiated after it (a payment stores its
amount when it is created).
"""
from __future__ import annotations

import os
from typing import Any

from chapchap import audit, clock
from chapchap.data import table
from chapchap.errors import ApiError, Conflict, ValidationFailed
from chapchap.observability import logger
from chapchap.settings import settings
# The default price is read where prices are (the catalog); this module writes it.
from chapchap.templates.catalog import PRICE_CACHE_SECONDS, SETTINGS_KEY, default_price  # noqa: F401
from chapchap.templates.catalog import reset_price_cache as reset_cache

MASK = "••••"

# API field -> parameter name under SECRETS_PATH (the name secretstore.get_secret reads).
SECRET_FIELDS: dict[str, str] = {
    "selcom_api_key": "selcom-api-key",
    "selcom_api_secret": "selcom-api-secret",
    "selcom_webhook_secret": "selcom-webhook-secret",
    "openai_api_key": "openai-api-key",
    "anthropic_api_key": "anthropic-api-key",
}
# Not secret, shown in full, but kept next to the keys because the Selcom client reads it there.
PLAIN_PARAMETER_FIELDS: dict[str, str] = {"selcom_vendor": "selcom-vendor"}
PARAMETER_FIELDS = {**SECRET_FIELDS, **PLAIN_PARAMETER_FIELDS}
# The language model of the resume check (chapchap/analysis/model.py): which provider's key,
# at which address, which model. Kept in the settings item; the keys are the secrets above.
AI_FIELDS = ("ai_provider", "ai_base_url", "ai_model")
AI_KEYS = {"openai": "openai-api-key", "anthropic": "anthropic-api-key"}

# ---------------------------------------------------------------- masking and reading secrets
def mask(value: str | None) -> str | None:
    """`••••1a2b`: the last four characters of a secret long enough to keep them hidden
    (at least 12), else the mask alone. None when there is no value."""
    if not value:
        return None
    return MASK + value[-4:] if len(value) >= 12 else MASK


def parameter_path(name: str) -> str:
    return f"{settings().secrets_path}/{name}"


def _read_parameters() -> dict[str, tuple[str | None, str]]:
    """field -> (value, source) for every parameter field; the environment wins, as in
    `secretstore.get_secret` (local stack, tests); else one GetParameters call. Sources:
    environment, parameter_store, not_set, unavailable (Parameter Store did not answer)."""
    found: dict[str, tuple[str | None, str]] = {}
    wanted: dict[str, str] = {}
    for field, name in PARAMETER_FIELDS.items():
        env_value = os.environ.get(name.upper().replace("-", "_"))
        if env_value:
            found[field] = (env_value, "environment")
        else:
            wanted[parameter_path(name)] = field
    if wanted:
        from aws_lambda_powertools.utilities import parameters

        try:
            values = parameters.get_parameters_by_name(parameters={path: {} for path in wanted}, decrypt=True,
                                                       max_age=0, raise_on_error=False)
        except Exception as exc:  # noqa: BLE001 - never let a value or a trace with one reach the answer
            logger.warning("could not read the settings parameters", extra={"error": type(exc).__name__})
            return {**found, **{field: (None, "unavailable") for field in wanted.values()}}
        for path, field in wanted.items():
            value = values.get(path)
            found[field] = (value, "parameter_store") if value else (None, "not_set")
    return found


def _current_item() -> dict[str, Any]:
    return table.get(*SETTINGS_KEY, consistent=True) or {}


def _view(item: dict[str, Any], parameters_found: dict[str, tuple[str | None, str]]) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "default_price": int(item["default_price"]) if item.get("default_price") is not None
        else settings().default_price,
        "currency": settings().currency,
        "business_time_zone": settings().business_timezone,
        "ai_provider": item.get("ai_provider"),
        "ai_base_url": item.get("ai_base_url"),
        "ai_model": item.get("ai_model"),
    }
    for field in PLAIN_PARAMETER_FIELDS:
        shown[field] = parameters_found[field][0]
    for field in SECRET_FIELDS:
        shown[field] = mask(parameters_found[field][0])
    shown["secret_sources"] = {field: parameters_found[field][1] for field in PARAMETER_FIELDS}
    shown["editable"] = ["default_price", *AI_FIELDS, *PARAMETER_FIELDS]
    shown["read_only"] = {
        "currency": "Amounts are whole Tanzanian shillings everywhere.",
        "business_time_zone": "A deployment parameter (BusinessTimeZone): changing it would move every "
                              "stored date into other day and month buckets.",
    }
    shown["updated_at"] = item.get("updated_at")
    shown["updated_by"] = item.get("updated_by")
    return shown


def read() -> dict[str, Any]:
    """The admin's view: non-secrets in full, secrets masked (1 GetItem + 1 GetParameters)."""
    return _view(_current_item(), _read_parameters())


# ---------------------------------------------------------------- changing them
def update(actor: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply the given fields. Secrets are written to Parameter Store first (an overwrite
    is idempotent), then the settings item and its audit entry in one transaction."""
    _refuse_read_only(changes)
    item = _current_item()
    found = _read_parameters()
    before_view = _view(item, found)
    now = clock.now_iso()

    item_changes: dict[str, Any] = {}
    if changes.get("default_price") is not None and changes["default_price"] != before_view["default_price"]:
        item_changes["default_price"] = int(changes["default_price"])
    for name in AI_FIELDS:
        if changes.get(name) is not None and changes[name] != item.get(name):
            item_changes[name] = changes[name]
    parameter_changes = {k: v for k, v in changes.items()
                         if k in PARAMETER_FIELDS and v is not None and v != found[k][0]}
    if not item_changes and not parameter_changes:
        return before_view

    for field, value in parameter_changes.items():
        _write_parameter(field, value)

    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, value in item_changes.items():
        before[field] = before_view[field]
        after[field] = value
    for field, value in parameter_changes.items():
        masked_before = found[field][0] if field in PLAIN_PARAMETER_FIELDS else mask(found[field][0])
        before[field] = masked_before
        after[field] = value if field in PLAIN_PARAMETER_FIELDS else mask(value)

    version = int(item.get("version") or 0)
    sets = ["#type = :type", "version = :new_version", "updated_at = :now", "updated_by = :by"]
    values: dict[str, Any] = {"type": "settings", "new_version": version + 1, "now": now, "by": actor["id"]}
    names = {"#type": "type"}
    for field, value in item_changes.items():
        sets.append(f"#{field} = :{field}")
        names[f"#{field}"] = field
        values[field] = value
    if parameter_changes:
        sets.append("secrets_updated_at = :updated_map")
        values["updated_map"] = {**(item.get("secrets_updated_at") or {}),
                                 **{field: now for field in parameter_changes}}
    condition = "attribute_not_exists(version)" if not version else "version = :old_version"
    if version:
        values["old_version"] = version
    try:
        audit.admin_transact(actor, [
            table.update_op(*SETTINGS_KEY, "SET " + ", ".join(sets), condition=condition, names=names, **values),
            audit.entry_op(actor=actor, action="settings.update", entity="settings", entity_id="current",
                           before=before, after=after),
        ])
    except table.TransactionFailed:
        raise Conflict("The settings changed while saving. Load them again and retry.",
                       code="CONCURRENT_UPDATE") from None
    reset_cache()
    if parameter_changes:
        _forget_cached_secrets()
    logger.info("settings updated", extra={"fields": sorted(after)})  # names only, never values
    return read()


def ai_config() -> dict[str, Any] | None:
    """The resume check's model: `{provider, base_url, model, api_key}`, or None when no
    provider is chosen or its key is not set (1 GetItem + 1 SSM read). The key is handed to
    the model's client only; nothing logs it."""
    from chapchap import secretstore

    item = table.get(*SETTINGS_KEY) or {}
    provider = item.get("ai_provider")
    if provider not in AI_KEYS:
        return None
    try:
        key = secretstore.get_secret(AI_KEYS[provider])
    except secretstore.SecretUnavailable:
        return None
    return {"provider": provider, "base_url": item.get("ai_base_url"), "model": item.get("ai_model"), "api_key": key}


def _refuse_read_only(changes: dict[str, Any]) -> None:
    zone = changes.get("business_time_zone")
    if zone is not None and zone != settings().business_timezone:
        raise ValidationFailed(
            "business_time_zone is a deployment parameter (BusinessTimeZone): changing it would move "
            "every stored date into other day and month buckets. Redeploy with another value instead.",
            code="READ_ONLY_SETTING",
            details=[{"field": "business_time_zone", "location": "body",
                      "message": "a deployment parameter; not editable here"}])
    currency = changes.get("currency")
    if currency is not None and currency != settings().currency:
        raise ValidationFailed(
            "currency is TZS (whole shillings) and cannot be changed.", code="READ_ONLY_SETTING",
            details=[{"field": "currency", "location": "body", "message": "read-only: TZS"}])


def _write_parameter(field: str, value: str) -> None:
    from aws_lambda_powertools.utilities import parameters

    name = PARAMETER_FIELDS[field]
    try:
        parameters.set_parameter(parameter_path(name), value, parameter_type="SecureString", overwrite=True,
                                 description=f"CV Chap Chap {name} (set from the admin settings)")
    except Exception as exc:  # noqa: BLE001 - the exception text could hold the value: log its type only
        logger.error("could not store a secret", extra={"secret": name, "error": type(exc).__name__})
        raise ApiError("The secret store did not accept the change; nothing was saved after it. "
                       "Please try again.", code="SECRET_STORE_ERROR", status=502) from None


def _forget_cached_secrets() -> None:
    """This container reads the new values at once (others within secretstore's cache time)."""
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
