"""What the app gets instead of its answer when an API fault rule (``fake_stripe.api_faults``)
takes its request: Stripe's error JSON with the rule's status, or no answer at all.

``error``: the status with the body Stripe sends for it (``rate_limit`` for 429, ``api_error``
for 5xx) and, when the rule says so, ``Retry-After``; no ``Stripe-Should-Retry``, so the SDK
decides from the status as it does for Stripe's own transient errors. ``timeout``: nothing until
the client gives up (or the hold runs out), then the connection closes. ``reset``: the answer
starts and the connection closes in the middle of it, so the client sees a broken connection.
"""

from __future__ import annotations

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from fake_stripe.api_faults import ApiFaultRule
from fake_stripe.http.responses import stripe_json

_MESSAGES = {
    429: (
        "invalid_request_error",
        "rate_limit",
        "Too many requests hit the API too quickly. We recommend an exponential backoff of"
        " your requests.",
    ),
    503: ("api_error", None, "Stripe is temporarily unavailable. Please try again later."),
}
_SERVER_ERROR = ("api_error", None, "An unknown error occurred on Stripe's end (injected).")
_CLIENT_ERROR = ("invalid_request_error", None, "The request failed (an injected fault).")


def injected_answer(rule: ApiFaultRule, request_id: str) -> Response:
    if rule.action == "error":
        return _error(rule, request_id)
    hold = float(rule.params["seconds"]) if rule.action == "timeout" else 0.0
    return NoAnswer(hold)


def _error(rule: ApiFaultRule, request_id: str) -> Response:
    status: int = rule.params["status"]
    kind, code, message = _MESSAGES.get(status, _SERVER_ERROR if status >= 500 else _CLIENT_ERROR)
    body = {"type": kind, "message": message, **({"code": code} if code else {})}
    response = stripe_json({"error": body}, status, request_id)
    retry_after = rule.params["retry_after"]
    if retry_after > 0:
        response.headers["Retry-After"] = f"{retry_after:g}"
    return response


class NoAnswer(Response):
    """Waits up to ``hold`` seconds for the client to hang up; if it has not, starts an answer
    and closes the connection halfway through it."""

    def __init__(self, hold: float) -> None:
        super().__init__(status_code=200)
        self.hold = hold

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with anyio.move_on_after(self.hold):
            while (await receive())["type"] != "http.disconnect":
                pass
            return  # the client gave up: there is no one left to answer
        promised = b"1024"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", promised)],
            }
        )
        await send({"type": "http.response.body", "body": b'{"id": ', "more_body": True})
        # returning now leaves the answer incomplete: the server closes the connection
