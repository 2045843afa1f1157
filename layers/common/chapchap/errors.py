"""Errors with the API's envelope: {"error": {"code", "message", "details"}}.

Domain code raises these; the HTTP layer turns them into responses. They carry no HTTP
objects, only a status number, so domain code stays free of API Gateway.
"""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status = 400
    code = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 details: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details or []
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequest(ApiError):
    status, code = 400, "BAD_REQUEST"


class Unauthorized(ApiError):
    status, code = 401, "UNAUTHORIZED"


class PaymentRequired(ApiError):
    status, code = 402, "PAYMENT_REQUIRED"


class Forbidden(ApiError):
    status, code = 403, "FORBIDDEN"


class NotFound(ApiError):
    status, code = 404, "NOT_FOUND"


class Conflict(ApiError):
    status, code = 409, "CONFLICT"


class PayloadTooLarge(ApiError):
    status, code = 413, "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(ApiError):
    status, code = 415, "UNSUPPORTED_MEDIA_TYPE"


class ValidationFailed(ApiError):
    status, code = 422, "VALIDATION_FAILED"

    @classmethod
    def field(cls, field: str, message: str) -> "ValidationFailed":
        return cls(f"{field}: {message}", details=[{"field": field, "message": message}])


class Throttled(ApiError):
    status, code = 429, "TOO_MANY_REQUESTS"

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any):
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))}, **kwargs)


class GatewayError(ApiError):
    status, code = 502, "GATEWAY_ERROR"


class ServiceUnavailable(ApiError):
    status, code = 503, "SERVICE_UNAVAILABLE"
