"""``POST /_control/webhook_endpoints/{id}/sign``: what a delivery of given bytes, or of an
event, signed some seconds ago looks like, so that a test can play the attacker (a replay, a
correctly signed event that lies) without ever holding the endpoint's secret."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from fake_stripe.client import ControlError, FakeStripeControl
from tests.fake_stripe.conftest import new_session
from tests.fake_stripe.receiver import Receiver

COMPLETED = "checkout.session.completed"


def test_an_events_payload_signed_now_verifies_with_the_endpoints_secret(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    result = control.pay(new_session(stripe_client).id)
    control.settle()
    [delivered] = receiver.of_type(COMPLETED)

    signed = control.sign(endpoint.id, event_id=delivered.event_id)

    assert signed.url == receiver.url
    assert json.loads(signed.payload)["id"] == delivered.event_id
    assert json.loads(signed.payload)["data"] == json.loads(delivered.body)["data"]
    event = stripe.Webhook.construct_event(signed.payload, signed.stripe_signature, endpoint.secret)
    assert event.id in {e["id"] for e in result.events}
    assert abs(signed.timestamp - time.time()) < 5
    assert endpoint.secret not in json.dumps(signed.__dict__)  # the secret stays in the fake


def test_signed_ten_minutes_ago_is_outside_the_tolerance(
    control: FakeStripeControl, endpoint: stripe.WebhookEndpoint
) -> None:
    payload = json.dumps({"id": "evt_forged", "object": "event", "type": COMPLETED})

    signed = control.sign(endpoint.id, payload=payload, signed_seconds_ago=600)

    assert signed.payload == payload
    assert signed.timestamp == pytest.approx(time.time() - 600, abs=5)
    stripe.WebhookSignature.verify_header(  # a valid signature, only old
        payload, signed.stripe_signature, endpoint.secret, tolerance=None
    )
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance zone"):
        stripe.Webhook.construct_event(payload, signed.stripe_signature, endpoint.secret)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "exactly one of payload"),
        ({"payload": "{}", "event": "evt_1"}, "exactly one of payload"),
        ({"payload": 12}, "payload must be a string"),
        ({"payload": "{}", "signed_seconds_ago": -1}, "signed_seconds_ago must be at least 0"),
        ({"event": "evt_nope"}, "No such event"),
    ],
)
def test_a_request_it_cannot_sign_is_a_clear_4xx(
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    body: dict[str, object],
    reason: str,
) -> None:
    with pytest.raises(ControlError, match=reason) as refused:
        control._call("POST", f"/webhook_endpoints/{endpoint.id}/sign", body)
    assert 400 <= refused.value.status < 500


def test_an_unknown_endpoint_is_a_404(control: FakeStripeControl) -> None:
    with pytest.raises(ControlError) as refused:
        control.sign("we_nope", payload="{}")
    assert refused.value.status == 404
