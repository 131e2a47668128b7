"""Who gets which event, what a delivery looks like, and ``pending_webhooks``."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import stripe

from fake_stripe.client import FakeStripeControl
from tests.fake_stripe.conftest import new_session
from tests.fake_stripe.receiver import Received, Receiver

CARD_EVENTS = {"payment_intent.succeeded", "charge.succeeded", "checkout.session.completed"}


@pytest.fixture(scope="module")
def second_receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def signature_timestamp(received: Received) -> int:
    [t] = [part[2:] for part in received.signature.split(",") if part.startswith("t=")]
    return int(t)


def test_each_event_goes_to_every_enabled_endpoint_subscribed_to_its_type(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
    second_receiver: Receiver,
) -> None:
    completed_only = stripe_client.v1.webhook_endpoints.create(
        params={"url": second_receiver.url, "enabled_events": ["checkout.session.completed"]}
    )
    second_receiver.reset(completed_only.secret)
    disabled = stripe_client.v1.webhook_endpoints.create(
        params={"url": second_receiver.url + "?disabled=1", "enabled_events": ["*"]}
    )
    stripe_client.v1.webhook_endpoints.update(disabled.id, params={"disabled": True})
    session = new_session(stripe_client)

    control.pay(session.id)
    control.settle()

    every_event = {e.id for e in stripe_client.v1.events.list(params={"limit": 100}).data}
    assert sorted(r.event_id or "" for r in receiver.received) == sorted(every_event)
    assert {r.event_type for r in receiver.received} >= CARD_EVENTS
    assert all(r.verified for r in receiver.received)
    assert [r.event_type for r in second_receiver.received] == ["checkout.session.completed"]
    assert second_receiver.received[0].verified
    attempts = control.deliveries().attempts
    assert {a.endpoint_id for a in attempts} == {endpoint.id, completed_only.id}
    assert [a.event_type for a in attempts if a.endpoint_id == completed_only.id] == [
        "checkout.session.completed"
    ]


def test_changing_enabled_events_changes_what_later_events_go_where(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    stripe_client.v1.webhook_endpoints.update(
        endpoint.id, params={"enabled_events": ["checkout.session.expired"]}
    )
    paid, expired = new_session(stripe_client), new_session(stripe_client)

    control.pay(paid.id)
    stripe_client.v1.checkout.sessions.expire(expired.id)
    control.settle()

    assert [(r.event_type, r.object_id) for r in receiver.received] == [
        ("checkout.session.expired", expired.id)
    ]


def test_a_delivery_is_the_event_as_json_signed_for_construct_event(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    session = new_session(stripe_client, amount=2500)
    before = int(time.time())

    control.pay(session.id)
    control.settle()

    [completed] = receiver.of_type("checkout.session.completed")
    assert completed.verified
    body = json.loads(completed.body)
    assert body["object"] == "event"
    assert body["id"] == completed.event_id
    assert body["data"]["object"]["id"] == session.id
    assert body["data"]["object"]["amount_total"] == 2500
    assert body["pending_webhooks"] == 1  # still pending while it is being delivered
    assert completed.signature.count("v1=") == 1
    assert before <= signature_timestamp(completed) <= time.time()
    assert stripe.Webhook.construct_event(completed.body, completed.signature, endpoint.secret)


def test_pending_webhooks_and_delivery_success_follow_the_outcome(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("fail", event_type="checkout.session.completed", times=1, status=500)
    session = new_session(stripe_client)

    result = control.pay(session.id)
    control.settle()
    [completed_id] = [e["id"] for e in result.events if e["type"] == "checkout.session.completed"]

    assert stripe_client.v1.events.retrieve(completed_id).pending_webhooks == 1
    failed = stripe_client.v1.events.list(params={"delivery_success": False})
    assert [e.id for e in failed.data] == [completed_id]

    control.advance(minutes=5)

    assert stripe_client.v1.events.retrieve(completed_id).pending_webhooks == 0
    assert stripe_client.v1.events.list(params={"delivery_success": False}).data == []
    delivered = stripe_client.v1.events.list(params={"delivery_success": True})
    assert completed_id in {e.id for e in delivered.data}
    assert [r.event_id for r in receiver.of_type("checkout.session.completed")] == [completed_id]


def test_an_endpoint_disabled_after_a_failure_gets_no_retry(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("fail", event_type="checkout.session.completed", times=1, status=503)
    session = new_session(stripe_client)
    control.pay(session.id)
    control.settle()

    stripe_client.v1.webhook_endpoints.update(endpoint.id, params={"disabled": True})
    control.advance(hours=3)

    completed = control.deliveries(event_type="checkout.session.completed")
    assert [(a.attempt, a.status_code) for a in completed.attempts] == [(1, 503)]
    assert completed.pending == []
    assert receiver.of_type("checkout.session.completed") == []


def test_every_attempt_is_signed_afresh_with_the_wall_clock_of_that_attempt(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    """Fake time runs hours ahead, yet each attempt's ``t`` is the real time it was sent; a
    stale timestamp injected on attempt 2 only shows the signature is computed per attempt."""
    control.add_fault("fail", event_type="checkout.session.completed", times=1, status=500)
    session = new_session(stripe_client)
    control.pay(session.id)
    control.settle()
    control.add_fault("stale_timestamp", event_type="checkout.session.completed", times=1)

    before = int(time.time())
    control.advance(minutes=5)  # attempt 2: stale, refused by the receiver
    control.advance(minutes=30)  # attempt 3: fresh again
    after = time.time()

    attempts = control.deliveries(event_type="checkout.session.completed").attempts
    assert [(a.attempt, a.status_code, a.faults) for a in attempts] == [
        (1, 500, ["fail"]),
        (2, 400, ["stale_timestamp"]),
        (3, 200, []),
    ]
    [stale] = [r for r in receiver.received if not r.verified]
    [fresh] = receiver.of_type("checkout.session.completed")
    assert "Timestamp outside the tolerance zone" in (stale.error or "")
    assert signature_timestamp(stale) <= before - 300
    assert fresh.verified
    assert before <= signature_timestamp(fresh) <= after
    assert control.clock().offset == 35 * 60  # fake time is 35 minutes ahead of both
