"""Someone who is not Stripe posting to the app's webhook endpoint: a delivery with no signature,
one signed with a secret of their own, a genuine delivery replayed later, and a correctly signed
event that lies about its session (as whoever holds a leaked signing secret could send).

The app's endpoint is the one it registered at the fake (or the harness registered for it).
Correct signatures come from the fake's ``sign`` control call, which keeps the secret, as
Stripe does: the forger never holds it. A replay is the event's own payload with the signature
its delivery would have carried ``seconds_ago`` earlier: byte for byte what a captured delivery
looks like when it is sent again that much later, without waiting that long.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import stripe

from fake_stripe.client import FakeStripeControl
from harness import http_clients

OWN_SECRET = "whsec_forger_0000000000000000000000000000"  # noqa: S105 (not the app's, on purpose)
COMPLETED = "checkout.session.completed"
# a correctly signed body in the shape of an event, with one flaw a receiver must refuse (400)
FLAWS = {
    "with an empty event id": lambda: {"id": "", "type": COMPLETED, "data": {"object": {}}},
    "whose data.object is not an object": lambda: {
        "id": f"evt_forged_{secrets.token_hex(12)}",
        "type": COMPLETED,
        "data": {"object": "cs_test_not_an_object"},
    },
}


@dataclass(frozen=True)
class Posted:
    """One forged or replayed request and the app's answer."""

    event_id: str
    session_id: str
    status: int
    answer: str

    def __str__(self) -> str:
        return f"{self.event_id} for {self.session_id}: {self.status} {self.answer[:200]}"


class Forger:
    def __init__(
        self, control: FakeStripeControl, stripe_client: stripe.StripeClient, webhook_url: str
    ) -> None:
        self.control = control
        self.stripe = stripe_client
        self.webhook_url = webhook_url
        self.posted: list[Posted] = []

    @property
    def last(self) -> Posted:
        assert self.posted, "nothing was forged or replayed in this scenario"
        return self.posted[-1]

    def completed_event(self, session_id: str, **claims: Any) -> str:
        """A ``checkout.session.completed`` payload under a new event id: the session as Stripe
        shows it now (or a made-up one, for a session Stripe does not know), with ``claims``
        written over it."""
        try:
            shown: dict[str, Any] = self.stripe.v1.checkout.sessions.retrieve(session_id).to_dict()
        except stripe.InvalidRequestError:
            shown = {"id": session_id, "object": "checkout.session", "mode": "payment"}
        event = {
            "id": f"evt_forged_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "type": COMPLETED,
            "data": {"object": {**shown, **claims}},
        }
        return json.dumps(event, indent=2)

    @staticmethod
    def made_up_session_id() -> str:
        """A Checkout Session id of Stripe's shape that Stripe never handed out."""
        return f"cs_test_forged_{secrets.token_hex(16)}"

    @staticmethod
    def flawed_event(flaw: str) -> str:
        """An event-shaped payload with one of ``FLAWS``."""
        return json.dumps({"object": "event", **FLAWS[flaw]()})

    def post_unsigned(self, payload: str) -> Posted:
        return self._post(payload, None)

    def post_signed_with_own_secret(self, payload: str) -> Posted:
        timestamp = int(time.time())
        digest = hmac.new(OWN_SECRET.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
        return self._post(payload, f"t={timestamp},v1={digest.hexdigest()}")

    def post_correctly_signed(self, payload: str) -> Posted:
        """Signed with the endpoint's own secret, now: only what it says can give it away."""
        signed = self.control.sign(self.endpoint_id(), payload=payload)
        return self._post(signed.payload, signed.stripe_signature)

    def replay(self, event_id: str, seconds_ago: float) -> Posted:
        """A genuine delivery of the event, captured ``seconds_ago`` seconds ago, sent again."""
        signed = self.control.sign(
            self.endpoint_id(), event_id=event_id, signed_seconds_ago=seconds_ago
        )
        return self._post(signed.payload, signed.stripe_signature)

    def endpoint_id(self) -> str:
        """The app's endpoint at the fake: the one at its webhook URL."""
        endpoints = self.stripe.v1.webhook_endpoints.list(params={"limit": 100}).data
        for endpoint in endpoints:
            if endpoint.url == self.webhook_url:
                return endpoint.id
        urls = ", ".join(endpoint.url for endpoint in endpoints) or "none"
        raise LookupError(f"no webhook endpoint at {self.webhook_url} (endpoints: {urls})")

    def _post(self, payload: str, signature: str | None) -> Posted:
        headers = {"content-type": "application/json"}
        if signature is not None:
            headers["stripe-signature"] = signature
        response = http_clients.post(self.webhook_url, content=payload.encode(), headers=headers)
        event = json.loads(payload)
        data_object = event.get("data", {}).get("object")
        posted = Posted(
            event_id=str(event.get("id")),
            session_id=str(data_object.get("id") if isinstance(data_object, dict) else "-"),
            status=response.status_code,
            answer=response.text,
        )
        self.posted.append(posted)
        return posted
