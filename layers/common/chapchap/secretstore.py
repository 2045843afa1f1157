"""Secrets: SSM Parameter Store (SecureString) in AWS, the environment locally.

A secret named `jwt-secret` is read from the environment variable `JWT_SECRET` when set
(the local stack and tests), else from the parameter `<SECRETS_PATH>/jwt-secret` through
Powertools parameters, cached for five minutes. Values are never logged.
"""
from __future__ import annotations

import os

from chapchap.settings import settings

_CACHE_SECONDS = 300


class SecretUnavailable(RuntimeError):
    """A secret is not configured; the message names it but never holds a value."""


def get_secret(name: str) -> str:
    env_name = name.upper().replace("-", "_")
    value = os.environ.get(env_name)
    if value:
        return value
    from aws_lambda_powertools.utilities import parameters

    path = f"{settings().secrets_path}/{name}"
    try:
        value = parameters.get_parameter(path, decrypt=True, max_age=_CACHE_SECONDS)
    except parameters.exceptions.GetParameterError as exc:
        raise SecretUnavailable(f"secret {name!r} is not configured ({path})") from exc
    if not value:
        raise SecretUnavailable(f"secret {name!r} is empty ({path})")
    return value
