"""Stripe's error responses as exceptions: the HTTP skin turns each into Stripe's JSON.

Every error carries ``Stripe-Should-Retry: false`` (Stripe sends it on errors a retry cannot
fix), so the official SDKs' automatic retries never hide an error or slow a test down.
"""

from __future__ import annotations

from typing import Any

DOCS = "https://stripe.com/docs/error-codes"


class StripeError(Exception):
    status = 400
    error_type = "invalid_request_error"
    should_retry = False
    # Stripe saves a request's result under its Idempotency-Key only once an endpoint began
    # executing; a request refused by validation saves nothing and may be retried with the key.
    saved_for_idempotency = True

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
            body["doc_url"] = f"{DOCS}/{self.code.replace('_', '-')}"
        if self.decline_code is not None:
            body["decline_code"] = self.decline_code
        if request_id is not None:
            body["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        body.update(self.extra)
        return {"error": body}


class InvalidRequest(StripeError):
    """400: a parameter is missing, unknown, of the wrong type or out of range."""

    saved_for_idempotency = False


class UnknownParameter(InvalidRequest):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"Received unknown parameter: {name}", param=name, code="parameter_unknown"
        )


class MissingParameter(InvalidRequest):
    def __init__(self, name: str) -> None:
        super().__init__(f"Missing required param: {name}.", param=name, code="parameter_missing")


class ResourceMissing(StripeError):
    """404 for the object a URL names; 400 for one a parameter names (``line_items[0][price]``,
    ``starting_after``), as Stripe answers."""

    status = 404
    saved_for_idempotency = False

    def __init__(
        self, kind: str, object_id: str, param: str = "id", *, in_url: bool = True
    ) -> None:
        super().__init__(
            f"No such {kind}: '{object_id[:200]}'", param=param, code="resource_missing"
        )
        if not in_url:
            self.status = 400


class UnrecognizedUrl(StripeError):
    """404: no such API route (Stripe's answer to a wrong URL or a wrong method)."""

    status = 404
    saved_for_idempotency = False

    def __init__(self, method: str, path: str) -> None:
        super().__init__(
            f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs"
            " or we can help at https://support.stripe.com/."
        )


class AuthenticationFailed(StripeError):
    status = 401
    saved_for_idempotency = False

    def __init__(self, message: str) -> None:
        super().__init__(message)


class IdempotencyConflict(StripeError):
    error_type = "idempotency_error"
    saved_for_idempotency = False

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


class InternalError(StripeError):
    """500: a bug in the fake. Answered like Stripe would, never retried, never saved."""

    status = 500
    error_type = "api_error"
    saved_for_idempotency = False
