"""Logger and metrics shared by every function (Powertools: JSON logs, EMF metrics).

Nothing secret is logged: handlers never log bodies or tokens, and a filter blanks any
extra field whose name says it is secret, in case someone passes one by mistake.
"""
from __future__ import annotations

import logging

from aws_lambda_powertools import Logger, Metrics

_SECRET_WORDS = ("password", "token", "secret", "authorization", "api_key", "apikey", "cookie")


class _RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key in list(vars(record)):
            if any(word in key.lower() for word in _SECRET_WORDS):
                setattr(record, key, "[redacted]")
        return True


logger = Logger(log_uncaught_exceptions=True)
logger.addFilter(_RedactSecrets())
metrics = Metrics()
