"""``hold`` (released in the order a test chooses) and ``reorder`` (held until another type is
delivered): the receiver's arrival order follows."""

from __future__ import annotations

import pytest
import stripe

from fake_stripe.client import ControlError, FakeStripeControl
from tests.fake_stripe.conftest import new_session
from tests.fake_stripe.receiver import Receiver

COMPLETED = "checkout.session.completed"


def held_by_session(control: FakeStripeControl) -> dict[str, str]:
    """Held deliveries: session id -> delivery id."""
    return {
        p.object_id or "": p.id
        for p in control.deliveries().pending
        if p.state == "held" and p.event_type == COMPLETED
    }


def test_held_deliveries_arrive_in_the_order_they_are_released(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("hold", event_type=COMPLETED, times=None)
    sessions = [new_session(stripe_client) for _ in range(3)]
    for session in sessions:
        result = control.pay(session.id)  # Checkout does not wait for a held delivery
        assert result.status == "succeeded"
    settled = control.settle()

    assert receiver.of_type(COMPLETED) == []
    assert settled.held == 3
    held = held_by_session(control)
    assert set(held) == {s.id for s in sessions}
    chosen = [sessions[2].id, sessions[0].id, sessions[1].id]

    released = control.release([held[session_id] for session_id in chosen])
    control.settle()

    assert released == [held[session_id] for session_id in chosen]
    assert [r.object_id for r in receiver.of_type(COMPLETED)] == chosen
    assert all(r.verified for r in receiver.of_type(COMPLETED))
    attempts = control.deliveries(event_type=COMPLETED).attempts
    assert [a.faults for a in attempts] == [["hold"]] * 3
    assert control.deliveries().pending == []


def test_release_without_ids_sends_every_held_delivery(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("hold", event_type=COMPLETED, times=2)
    for _ in range(3):
        control.pay(new_session(stripe_client).id)
    control.settle()
    assert len(receiver.of_type(COMPLETED)) == 1  # times=2: the third was not held

    assert len(control.release()) == 2
    control.settle()

    assert len(receiver.of_type(COMPLETED)) == 3
    assert control.release() == []


def test_a_held_delivery_that_fails_after_release_is_retried(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("hold", event_type=COMPLETED)
    control.add_fault("fail", event_type=COMPLETED, status=500)
    control.pay(new_session(stripe_client).id)
    control.settle()

    control.release()
    control.settle()
    control.advance(minutes=5)

    attempts = control.deliveries(event_type=COMPLETED).attempts
    assert [(a.attempt, a.status_code, a.faults) for a in attempts] == [
        (1, 500, ["hold", "fail"]),
        (2, 200, []),
    ]


def test_release_refuses_a_delivery_that_does_not_exist(control: FakeStripeControl) -> None:
    with pytest.raises(ControlError, match="no held delivery dlv_999") as refused:
        control.release(["dlv_999"])
    assert refused.value.status == 404


def test_release_refuses_a_delivery_listed_twice_or_already_sent(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
) -> None:
    control.add_fault("hold", event_type=COMPLETED)
    session = new_session(stripe_client)
    control.pay(session.id)
    control.settle()
    delivery_id = held_by_session(control)[session.id]

    with pytest.raises(ControlError, match="listed twice") as twice:
        control.release([delivery_id, delivery_id])
    assert twice.value.status == 400
    control.release([delivery_id])
    control.settle()
    with pytest.raises(ControlError) as again:
        control.release([delivery_id])
    assert again.value.status == 404


def test_reorder_holds_an_event_until_another_type_is_delivered(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("reorder", event_type="payment_intent.succeeded", after=COMPLETED)
    control.pay(new_session(stripe_client).id)
    control.settle()

    types = [r.event_type for r in receiver.received]
    assert types.index(COMPLETED) < types.index("payment_intent.succeeded")
    [attempt] = control.deliveries(event_type="payment_intent.succeeded").attempts
    assert attempt.faults == ["reorder"]


def test_a_reordered_event_waits_as_long_as_the_event_it_waits_for(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("reorder", event_type="payment_intent.succeeded", after=COMPLETED)
    control.add_fault("hold", event_type=COMPLETED)
    control.pay(new_session(stripe_client).id)
    settled = control.settle()

    assert settled.held == 2
    waiting = {p.event_type: p for p in control.deliveries().pending}
    reordered = waiting["payment_intent.succeeded"]
    assert (reordered.state, reordered.waiting_for) == ("waiting", COMPLETED)
    assert receiver.of_type("payment_intent.succeeded") == []

    control.release([waiting[COMPLETED].id])
    control.settle()

    types = [r.event_type for r in receiver.received]
    assert types.index(COMPLETED) < types.index("payment_intent.succeeded")
    assert control.deliveries().pending == []
