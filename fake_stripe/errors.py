"""Stripe's error responses as exceptions: the HTTP skin turns each into Stripe's JSON.

Every error carries ``Stripe-Should-Retry: false`` (Stripe sends it on errors a retry cannot
fix), so the official SDKs' automatic retries never hide an error or slow a test down.
"""

from __future__ import annotations

from typing import Any


class StripeError(Exception):
    status = 400
    error_type = "invalid_request_error"
    should_retry = False

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code
        self.decline_code = decline_code
        self.extra = extra or {}

    def to_json(self, request_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.error_type, "message": self.message}
        if self.param is not None:
            body["param"] = self.param
        if self.code is not None:
            body["code"] = self.code
        if self.decline_code is not None:
            body["decline_code"] = self.decline_code
        if request_id is not None:
            body["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        body.update(self.extra)
        return {"error": body}


class InvalidRequest(StripeError):
    """400: a parameter is missing, unknown, of the wrong type or out of range."""


class ResourceMissing(StripeError):
    status = 404

    def __init__(self, kind: str, object_id: str, param: str = "id") -> None:
        super().__init__(f"No such {kind}: '{object_id}'", param=param, code="resource_missing")


class AuthenticationFailed(StripeError):
    status = 401

    def __init__(self, message: str) -> None:
        super().__init__(message)


class IdempotencyConflict(StripeError):
    error_type = "idempotency_error"

    def __init__(self, key: str) -> None:
        super().__init__(
            "Keys for idempotent requests can only be used with the same parameters they were"
            f" first used with. Try using a key other than '{key}' if you meant to execute a"
            " different request."
        )


class CardDeclined(StripeError):
    """402: the card was declined; ``decline_code`` says why."""

    status = 402
    error_type = "card_error"


class StateConflict(StripeError):
    """400: the object is not in a state that allows this (e.g. expiring a paid session)."""
