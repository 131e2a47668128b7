"""The fake's clock seen through the API: offsets, timestamps on fake time, and what falls due
as it moves (session expiry, bank debit settlement)."""

from __future__ import annotations

import time

import pytest
import stripe

from fake_stripe.client import ControlError, FakeStripeControl
from tests.fake_stripe.conftest import new_session
from tests.fake_stripe.receiver import Receiver

DAY = 86400
SETTLE_AFTER = 180  # Settings' default: fake seconds until a bank debit settles


def test_advance_adds_to_the_offset_and_reset_sets_it_back_to_zero(
    control: FakeStripeControl,
) -> None:
    start = control.clock()
    assert start.offset == 0
    assert start.now == pytest.approx(time.time(), abs=5)

    control.advance(hours=1)
    moved = control.advance(seconds=0.5)

    assert moved.offset == 3600.5
    assert moved.now == pytest.approx(time.time() + 3600.5, abs=5)
    assert moved.timestamp == int(moved.now)
    with pytest.raises(ControlError, match="at least 0") as backwards:
        control.advance(seconds=-1)
    assert backwards.value.status == 400
    assert control.clock().offset == 3600.5
    control.reset()
    assert control.clock().offset == 0


def test_objects_and_events_are_stamped_with_fake_time(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.advance(days=2)
    session = new_session(stripe_client)
    control.pay(session.id)
    control.settle()

    fake_now = control.clock().now
    assert session.created == pytest.approx(fake_now, abs=5)
    assert session.expires_at == session.created + DAY
    [completed] = stripe_client.v1.events.list(params={"type": "checkout.session.completed"}).data
    assert completed.created == pytest.approx(fake_now, abs=5)
    assert completed.created > time.time() + DAY


def test_a_session_expires_when_the_clock_reaches_expires_at(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    expires_at = int(control.clock().now) + 3600
    session = new_session(stripe_client, expires_at=expires_at)
    paid = new_session(stripe_client, expires_at=expires_at)
    control.pay(paid.id)

    control.advance(seconds=expires_at - control.clock().now - 5)
    assert receiver.of_type("checkout.session.expired") == []
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).status == "open"
    control.advance(seconds=10)

    [expired] = receiver.of_type("checkout.session.expired")
    assert expired.verified
    assert expired.object_id == session.id
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    assert stripe_client.v1.events.retrieve(expired.event_id or "").created == pytest.approx(
        expires_at, abs=2
    )
    assert stripe_client.v1.checkout.sessions.retrieve(paid.id).status == "complete"


@pytest.mark.parametrize(
    ("account_number", "outcome", "payment_status"),
    [
        ("00012345", "checkout.session.async_payment_succeeded", "paid"),
        ("90012345", "checkout.session.async_payment_failed", "unpaid"),
    ],
)
def test_a_bank_debit_settles_when_the_clock_gets_there(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
    account_number: str,
    outcome: str,
    payment_status: str,
) -> None:
    session = new_session(stripe_client, payment_method_types=["card", "bacs_debit"])

    result = control.pay(session.id, method="bacs_debit", account_number=account_number)
    control.settle()

    assert result.status == "processing"
    [completed] = receiver.of_type("checkout.session.completed")
    assert completed.verified
    assert completed.object_id == session.id
    assert b'"payment_status": "unpaid"' in completed.body
    control.advance(seconds=SETTLE_AFTER - 5)
    assert receiver.of_type(outcome) == []

    control.advance(seconds=10)

    [settled] = receiver.of_type(outcome)
    assert settled.verified
    assert settled.object_id == session.id
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).payment_status == (
        payment_status
    )
    other = {
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
    } - {outcome}
    assert receiver.of_type(other.pop()) == []


def test_three_quiet_days_pass_in_well_under_a_second(control: FakeStripeControl) -> None:
    started = time.perf_counter()
    control.advance(days=3)
    assert time.perf_counter() - started < 5.0  # typically a few ms; generous for slow CI
