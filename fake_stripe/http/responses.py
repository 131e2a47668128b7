"""JSON responses the way Stripe shapes them."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from fake_stripe.protocol.errors import StripeError
from fake_stripe.protocol.json_output import stripe_json_bytes


def stripe_json(body: Any, status: int = 200, request_id: str | None = None) -> Response:
    headers = {"Request-Id": request_id} if request_id else {}
    return Response(
        stripe_json_bytes(body),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def stripe_error(error: StripeError, request_id: str | None = None) -> Response:
    response = stripe_json(error.to_json(request_id), error.status, request_id)
    # Stripe's answer to "would a retry help?": never, for these. Without it the official SDKs
    # retry 409/5xx on their own and hide what happened.
    response.headers["Stripe-Should-Retry"] = "true" if error.should_retry else "false"
    return response
