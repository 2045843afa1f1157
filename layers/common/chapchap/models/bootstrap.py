"""The event of BootstrapFunction (invoked by an operator, not through the API)."""
from __future__ import annotations

from typing import Literal

from chapchap.models.common import Email, FullName, Input


class BootstrapIn(Input):
    """Unknown fields are refused, so a password put in the event by mistake is not used
    (and the refusal does not repeat it)."""

    admin_email: Email
    admin_name: FullName = "Administrator"
    # generate: a one-time password in the result; parameter: <SECRETS_PATH>/bootstrap-admin-password
    password: Literal["generate", "parameter"] = "generate"
