"""What an empty deployment needs before anyone can use it: the first admin and the starter
templates. An operator runs BootstrapFunction once after the first deploy; the local stack
runs the same `run` at every start.

Running it again changes nothing: the admin is created only if no account has that email
(the email item's conditional write is the guarantee, even against a racing run), and the
starter templates are written once per deployment (each with attribute_not_exists, then a
marker, so a starter an admin deleted later is not brought back). Every creation writes its
audit entry in the same transaction, with the actor `bootstrap`.

The admin's password never travels in the event and never reaches a log:
  - generated (the default): a random one-time password, returned once in the result of the
    invocation that created the account, and never again; the admin changes it at once;
  - "password": "parameter": read from the SecureString `<SECRETS_PATH>/bootstrap-admin-password`
    that the operator created beforehand (and deletes afterwards).
"""
from __future__ import annotations

import secrets
from typing import Any

from chapchap import audit
from chapchap.auth import accounts
from chapchap.admin import templates as admin_templates
from chapchap.templates import catalog
from chapchap.templates import thumbnails
from chapchap.data import table, templates, users
from chapchap.observability import logger

ACTOR = {"id": "bootstrap", "email": None}
PASSWORD_SECRET = "bootstrap-admin-password"  # under SECRETS_PATH, for "password": "parameter"


class BootstrapRefused(ValueError):
    """The event cannot be acted on; the message names the problem, never a secret."""


def one_time_password() -> str:
    """24 URL-safe characters (144 random bits): within bcrypt's 72 bytes, and far beyond
    what any strength rule asks of a password."""
    return secrets.token_urlsafe(18)


def run(*, admin_email: str, admin_name: str, admin_password: str | None = None) -> dict[str, Any]:
    """Create what does not exist yet; say what was created and what existed.

    Without `admin_password` a one-time password is generated and returned (only when the
    account was created by this call)."""
    generated = admin_password is None
    password = one_time_password() if generated else admin_password
    email = users.normalize_email(admin_email)
    created = accounts.ensure_admin(email, password, admin_name, actor=ACTOR)
    admin: dict[str, Any] = {"email": email, "created": created}
    if created and generated:
        admin["one_time_password"] = password
    elif not created:
        admin["existing_role"] = _existing_role(email)
    result = {"admin": admin, "templates": _starter_templates()}
    result["changed"] = created or bool(result["templates"]["created"])
    logger.info("bootstrap", extra={"admin_email": email, "admin_created": created,
                                    "templates_created": result["templates"]["created"]})
    return result


def _existing_role(email: str) -> str | None:
    found = table.get(*users.email_key(email), consistent=True)
    user = users.get(found["user_id"], consistent=True) if found else None
    return user["role"] if user else None


def _starter_templates() -> dict[str, list[str]]:
    if templates.starters_written():
        return {"created": [], "existing": [], "already_written": True}
    created, existing = [], []
    for item in catalog.starter_items():
        entry = audit.entry_op(actor=ACTOR, action="template.create", entity="template", entity_id=item["id"],
                               before=None, after=admin_templates.snapshot(item))
        (created if templates.put_if_absent(item, also=[entry]) else existing).append(item["id"])
        # The PDF function renders it; one found existing with another look is skipped there.
        thumbnails.request(item)
    templates.mark_starters_written()
    return {"created": created, "existing": existing, "already_written": False}


# ---------------------------------------------------------------- the function's event
def from_event(event: dict[str, Any] | None) -> dict[str, Any]:
    """BootstrapFunction: {"admin_email", "admin_name", "password": "generate" | "parameter"}."""
    from pydantic import ValidationError

    from chapchap.models.bootstrap import BootstrapIn

    try:
        data = BootstrapIn.model_validate(event or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'event'}: {e['msg']}" for e in exc.errors())
        raise BootstrapRefused(f"invalid bootstrap event ({problems})") from None
    password = _password_from_parameter() if data.password == "parameter" else None
    return run(admin_email=data.admin_email, admin_name=data.admin_name, admin_password=password)


def _password_from_parameter() -> str:
    from pydantic import TypeAdapter, ValidationError

    from chapchap.auth.passwords import admin_password_problem
    from chapchap.models.common import NewPassword
    from chapchap.secretstore import get_secret

    value = get_secret(PASSWORD_SECRET)
    try:
        # hide_input_in_errors: the value must not reach the message (nor the logs).
        password = TypeAdapter(NewPassword, config={"hide_input_in_errors": True}).validate_python(value)
    except ValidationError as exc:
        reasons = "; ".join(e["msg"] for e in exc.errors())
        raise BootstrapRefused(f"the password in {PASSWORD_SECRET} is not acceptable: {reasons}") from None
    # An admin's password also has to pass the strength rule (docs/hardening.md); the reason
    # names the rule, never the value.
    problem = admin_password_problem(password)
    if problem:
        raise BootstrapRefused(f"the password in {PASSWORD_SECRET} is not acceptable: it {problem}")
    return password

