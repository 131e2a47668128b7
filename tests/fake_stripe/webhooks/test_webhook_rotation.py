"""Rolling an endpoint's signing secret: during the overlap every attempt carries one ``v1`` per
secret and a receiver holding either verifies; once the fake clock passes it, only the new one."""

from __future__ import annotations

import pytest
import stripe

from fake_stripe.client import ControlError, FakeStripeControl
from tests.fake_stripe.conftest import new_session
from tests.fake_stripe.receiver import Received, Receiver

COMPLETED = "checkout.session.completed"


def v1_count(received: Received) -> int:
    return sum(part.startswith("v1=") for part in received.signature.split(","))


def verifies_with(received: Received, secret: str) -> bool:
    try:
        stripe.Webhook.construct_event(received.body, received.signature, secret)
    except stripe.SignatureVerificationError:
        return False
    return True


def test_during_the_overlap_both_secrets_sign_and_after_it_only_the_new_one(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    old_secret = endpoint.secret
    rolled = control.roll_secret(endpoint.id, overlap_seconds=3600)

    assert rolled.id == endpoint.id
    assert rolled.secret != old_secret
    assert rolled.secret.startswith("whsec_")
    assert rolled.signing_secrets == [rolled.secret, old_secret]
    assert rolled.previous_secret_expires_at == pytest.approx(control.clock().now + 3600, abs=5)

    result = control.pay(new_session(stripe_client).id)  # the receiver still has the old one
    control.settle()

    [during] = receiver.of_type(COMPLETED)
    assert during.verified
    assert v1_count(during) == 2
    assert verifies_with(during, rolled.secret)
    assert verifies_with(during, old_secret)

    control.advance(seconds=3601)
    receiver.reset(rolled.secret)
    [completed_id] = [e["id"] for e in result.events if e["type"] == COMPLETED]
    control.resend(completed_id)
    control.settle()

    [after] = receiver.received
    assert after.verified
    assert after.event_id == completed_id
    assert v1_count(after) == 1
    assert verifies_with(after, rolled.secret)
    assert not verifies_with(after, old_secret)


def test_a_receiver_left_with_the_old_secret_fails_once_the_overlap_is_over(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.roll_secret(endpoint.id, overlap_seconds=0)  # the old secret stops at once

    control.pay(new_session(stripe_client).id)
    control.settle()

    assert receiver.of_type(COMPLETED) == []
    assert receiver.received
    assert not any(r.verified for r in receiver.received)
    assert all(v1_count(r) == 1 for r in receiver.received)
    assert {a.status_code for a in control.deliveries().attempts} == {400}


def test_rolling_again_keeps_only_the_latest_two(
    control: FakeStripeControl, endpoint: stripe.WebhookEndpoint
) -> None:
    first = control.roll_secret(endpoint.id)
    second = control.roll_secret(endpoint.id)
    assert second.signing_secrets == [second.secret, first.secret]
    assert endpoint.secret not in second.signing_secrets


def test_rolling_refuses_an_unknown_endpoint_or_a_negative_overlap(
    control: FakeStripeControl, endpoint: stripe.WebhookEndpoint
) -> None:
    with pytest.raises(ControlError) as unknown:
        control.roll_secret("we_missing")
    assert unknown.value.status == 404
    with pytest.raises(ControlError, match="overlap_seconds must be at least 0") as negative:
        control.roll_secret(endpoint.id, overlap_seconds=-1)
    assert negative.value.status == 400
