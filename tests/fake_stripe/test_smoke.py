"""The path every app takes: create a session with the SDK, pay, receive a verified webhook."""

from __future__ import annotations

import stripe

from fake_stripe.client import FakeStripeControl
from tests.fake_stripe.conftest import new_session
from tests.fake_stripe.receiver import Receiver


def test_a_paid_session_reaches_the_endpoint_signed_and_verifiable(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    session = new_session(stripe_client)

    result = control.pay(session.id, email="test@demo.com")
    control.settle()

    assert result.status == "succeeded"
    assert result.redirect_url == (f"http://127.0.0.1:9/dashboard/wallet?session_id={session.id}")
    [completed] = receiver.of_type("checkout.session.completed")
    assert completed.verified
    assert completed.object_id == session.id
    assert {r.event_type for r in receiver.received} >= {
        "payment_intent.succeeded",
        "charge.succeeded",
        "checkout.session.completed",
    }
    paid = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert (paid.status, paid.payment_status) == ("complete", "paid")
