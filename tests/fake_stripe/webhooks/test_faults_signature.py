"""Signature faults: each makes ``construct_event`` refuse the delivery (so the receiver answers
400 and the schedule retries), and each touches only the attempts it is told to."""

from __future__ import annotations

import pytest
import stripe

from fake_stripe.client import FakeStripeControl
from tests.fake_stripe.conftest import new_session
from tests.fake_stripe.receiver import Receiver

COMPLETED = "checkout.session.completed"


@pytest.mark.parametrize(
    ("action", "error"),
    [
        ("corrupt_signature", "No signatures found matching the expected signature"),
        ("stale_timestamp", "Timestamp outside the tolerance zone"),
        ("wrong_secret", "No signatures found matching the expected signature"),
    ],
)
def test_a_signature_fault_is_refused_by_construct_event_and_the_retry_verifies(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
    action: str,
    error: str,
) -> None:
    control.add_fault(action, event_type=COMPLETED)
    session = new_session(stripe_client)
    control.pay(session.id)
    control.settle()

    [refused] = [r for r in receiver.received if not r.verified]
    assert error in (refused.error or "")
    assert refused.status == 400
    assert refused.signature.startswith("t=")
    assert "v1=" in refused.signature
    assert receiver.of_type(COMPLETED) == []

    control.advance(minutes=5)

    [accepted] = receiver.of_type(COMPLETED)
    assert accepted.verified
    assert accepted.object_id == session.id
    attempts = control.deliveries(event_type=COMPLETED).attempts
    assert [(a.attempt, a.status_code, a.faults) for a in attempts] == [
        (1, 400, [action]),
        (2, 200, []),
    ]


def test_a_stale_timestamp_is_older_than_the_tolerance_by_the_age_asked_for(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("stale_timestamp", event_type=COMPLETED, age_seconds=3600)
    control.pay(new_session(stripe_client).id)
    control.settle()

    [refused] = [r for r in receiver.received if not r.verified]
    t = int(refused.signature.split(",")[0].removeprefix("t="))
    assert refused.at - 3600 - 2 <= t <= refused.at - 3600 + 1
    payload, header = refused.body, refused.signature
    # the signature itself is genuine: with the tolerance off it verifies
    assert stripe.Webhook.construct_event(payload, header, endpoint.secret, tolerance=0)


def test_a_corrupted_signature_differs_from_the_genuine_one_in_v1_only(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("corrupt_signature", event_type=COMPLETED)
    control.pay(new_session(stripe_client).id)
    control.settle()

    [refused] = [r for r in receiver.received if not r.verified]
    t, v1 = refused.signature.split(",")
    genuine = stripe.WebhookSignature._compute_signature(
        f"{t.removeprefix('t=')}.{refused.body.decode()}", endpoint.secret
    )
    assert v1.startswith("v1=")
    assert v1 != f"v1={genuine}"
    assert v1[:-1] == f"v1={genuine}"[:-1]
