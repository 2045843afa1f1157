"""Schemathesis hooks for the contract fuzzer (loaded through SCHEMATHESIS_HOOKS by tests/fuzz).

Two things a generated request cannot know:
- who it is: every request signs in as the account in FUZZ_EMAIL/FUZZ_PASSWORD, again every
  ten minutes because access tokens last fifteen;
- which ids exist: FUZZ_IDS names a JSON file of real ids (the fuzz user's CVs, its paid
  payment, the paid CV's share slug and a resume check, a second user, the templates), and about half the generated ids are swapped for one of
  them, so the fuzzer reaches the handlers' logic and not only their 404s. The swap is a
  function of the generated value (not random) so Hypothesis can replay and shrink a case.
  Generated `cursor`s are dropped: a cursor is the server's signed `meta.next_cursor`, and
  tampered ones are tested in tests/unit/test_security.py.

And one thing the document cannot say: a few rules no JSON Schema can state, for which the
API rightly refuses a request the schema allows (DOMAIN_RULES). Only those answers are
forgiven, and only for the "schema-valid request rejected" check; and the admin's view of a
soft-deleted CV (200 with `deleted_at`) for the "deleted resource still available" check.
"""
from __future__ import annotations

import json
import os
import re
import zlib
from pathlib import Path

import requests
import schemathesis

BASE_URL = os.environ["FUZZ_BASE_URL"].rstrip("/")
IDS: dict[str, list[str]] = json.loads(Path(os.environ["FUZZ_IDS"]).read_text())

# Path parameter (by the operation's path) -> which kind of real id fits it.
KINDS = {
    "/api/cvs/{id}": "cv", "/api/cvs/{id}/duplicate": "cv", "/api/payments/download/{cv_id}": "cv",
    "/api/payments/verify/{reference}": "reference", "/api/payments/{id}/receipt": "payment",
    "/api/admin/users/{id}": "user", "/api/admin/users/{id}/cvs": "user",
    "/api/admin/cvs/{id}": "cv", "/api/admin/templates/{id}": "template",
    "/api/admin/templates/{id}/status": "template",
    "/api/admin/payments/{reference}/resolve": "reference",
    "/api/admin/payments/{reference}": "reference", "/api/admin/payments/{reference}/recheck": "reference",
    "/api/admin/cvs/{id}/pdf": "cv", "/api/admin/cvs/{id}/restore": "cv",
    "/api/cvs/{id}/preview": "cv", "/api/cvs/{id}/restore": "cv",
    "/api/cvs/{id}/share": "cv", "/api/cvs/{id}/share/views": "cv", "/api/public/cvs/{slug}": "slug",
    "/api/cvs/{id}/analysis": "cv", "/api/cvs/{id}/analysis/{analysis_id}": {"id": "cv", "analysis_id": "analysis"},
}


def _pick(kind: str, generated: object) -> object:
    choices = IDS.get(kind) or []
    seed = zlib.crc32(repr(generated).encode())
    if not choices or seed % 2:
        return generated
    return choices[(seed >> 1) % len(choices)]


@schemathesis.auth(refresh_interval=600)
class SignIn:
    def get(self, case, ctx):
        reply = requests.post(f"{BASE_URL}/api/auth/login", timeout=30, json={
            "email": os.environ["FUZZ_EMAIL"], "password": os.environ["FUZZ_PASSWORD"]})
        reply.raise_for_status()
        return reply.json()["data"]["access_token"]

    def set(self, case, token, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


# error code -> the rule (any field), or (error code, field, words of the message) -> the rule.
DOMAIN_RULES = {
    "PAYMENT_REQUIRED": "a CV is downloaded after it is paid for",
    "IDEMPOTENCY_KEY_REUSED": "an Idempotency-Key belongs to the body it was first sent with",
    "RESET_INVALID": "a reset code or token is a secret the server sent; no schema can generate a live one",
    # "no active template has this id" (a user's CV, a payment), "no template has this id" (an admin's change)
    ("VALIDATION_FAILED", "template_id", "template has this id"): "templates are data, not an enum",
    ("VALIDATION_FAILED", "password", "72 bytes"): "bcrypt's limit is 72 bytes of UTF-8; JSON Schema counts characters",
    ("VALIDATION_FAILED", "new_password", "72 bytes"): "bcrypt's limit is 72 bytes of UTF-8; JSON Schema counts characters",
    ("VALIDATION_FAILED", "current_password", "not your current password"): "a password change needs the current one",
    # An administrator's password is judged by a strength estimator (zxcvbn), which no schema
    # states; and it depends on the role, another field (or the caller, for new_password).
    ("VALIDATION_FAILED", "password", "for an administrator"): "an admin's password must be hard to guess",
    ("VALIDATION_FAILED", "new_password", "for an administrator"): "an admin's password must be hard to guess",
    # The email pattern lists the invisible characters of the BMP; the few beyond it (U+E0001
    # ...) are refused by the validator alone: an ECMA-262 pattern without the u flag cannot name them.
    ("VALIDATION_FAILED", "email", "control, format or zero-width"): "emails hold no invisible characters",
    # Money and counts are integers written without a fraction: 90.0 is refused so an amount
    # never passes through a float, though JSON Schema calls 90.0 an integer.
    ("VALIDATION_FAILED", None, "valid integer"): "integers are written without a fraction",
    # Rules between query parameters, which a schema of each parameter alone cannot state.
    ("BAD_QUERY", "from", "must not be after to"): "a range starts before it ends",
    ("BAD_QUERY", "from", "longer than"): "a range is bounded",
    ("BAD_QUERY", "from", "may span at most"): "a range is bounded",
    ("BAD_QUERY", "sort", "cannot be combined"): "some sorts exclude a filter",
    # The payments list's q (an exact search) takes no date, status, sort or flag beside it.
    ("BAD_QUERY", None, "q finds exact matches"): "a payment search by one value stands alone",
    ("BAD_QUERY", "from", "future"): "analytics start in the past",
    ("ONE_CHANGE_AT_A_TIME", None, ""): "a CV's template and paid state change in two requests",
    ("VALIDATION_FAILED", "reason", "is required when"): "marking a CV paid or unpaid needs a reason for the audit log",
    # Depends on the stored CV (paid, and whose name it carries), not on the request alone.
    ("VALIDATION_FAILED", "reason", "another person's name on a paid CV"):
        "a paid CV's person changes only with a reason for the audit log",
    # phone_number is optional when the account has a number; the fuzz account has none.
    ("VALIDATION_FAILED", "phone_number", "give the phone number to pay with"):
        "a payment needs a number: the body's or the account's",
    # A rule between two fields of the resolve body (action and refund_reference).
    ("VALIDATION_FAILED", "refund_reference", "goes with action refunded only"): "a refund's reference goes with a refund",
}


def _domain_rule(response) -> str | None:
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return None
    if error.get("code") in DOMAIN_RULES:
        return DOMAIN_RULES[error["code"]]
    rules = [next((why for key, why in DOMAIN_RULES.items() if isinstance(key, tuple) and key[0] == error.get("code")
                   and key[1] in (None, d.get("field")) and key[2] in (d.get("message") or error.get("message", ""))),
                  None)
             for d in error.get("details") or [{}]]
    return rules[0] if rules and all(rules) else None


def _soft_deleted_cv_for_an_admin(case, response) -> bool:
    """Deleting a CV is a soft delete (docs/data.md): the owner's routes answer 404 afterwards, but
    the admin's view still shows it, with `deleted_at`, for support and a later restore."""
    if not case.operation.path.startswith("/api/admin/cvs/"):
        return False
    try:
        return bool(response.json()["data"]["cv"]["deleted_at"])
    except (ValueError, KeyError, TypeError):
        return False


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if failure.code == "ST202":
        return not _domain_rule(response)
    if failure.code == "ST301":  # "deleted resource still available"
        return not _soft_deleted_cv_for_an_admin(case, response)
    return True


@schemathesis.hook
def map_query(context, query):
    return {k: v for k, v in (query or {}).items() if k != "cursor"} if query else query


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    kind = KINDS.get(context.operation.path)
    if not kind or not path_parameters:
        return path_parameters
    kinds = kind if isinstance(kind, dict) else {name: kind for name in path_parameters}
    return {name: _pick(kinds[name], value) if name in kinds else value for name, value in path_parameters.items()}


@schemathesis.hook
def map_body(context, body):
    # Half the sign-ins are the fuzz user's own, so a successful login is fuzzed too.
    if context.operation.path == "/api/auth/login" and isinstance(body, dict) and not zlib.crc32(repr(body).encode()) % 2:
        return {**body, "email": os.environ["FUZZ_EMAIL"], "password": os.environ["FUZZ_PASSWORD"]}
    # A CV needs an active template; a random id only ever meets the 422 that says so. Only
    # well-formed ids are swapped: a malformed one is the fuzzer's negative case, kept as is.
    if not isinstance(body, dict):
        return body
    template_id, cv_id = body.get("template_id"), body.get("cv_id")
    if (isinstance(template_id, str) and context.operation.path.startswith("/api/cvs")
            and re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", template_id)):
        return {**body, "template_id": _pick("template", template_id)}
    if isinstance(cv_id, str) and re.fullmatch(r"[0-9a-fA-F-]{32,36}", cv_id):
        return {**body, "cv_id": _pick("cv", cv_id)}
    return body
