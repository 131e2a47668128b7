"""Fault actions that lose, fail, repeat, reissue and delay deliveries, seen from the receiver,
the delivery log and ``GET /v1/events``."""

from __future__ import annotations

import pytest
import stripe

from fake_stripe.client import FakeStripeControl
from fake_stripe.webhooks.schedule import TEST_MODE
from tests.fake_stripe.conftest import new_session
from tests.fake_stripe.receiver import Receiver

COMPLETED = "checkout.session.completed"


def pay(stripe_client: stripe.StripeClient, control: FakeStripeControl) -> str:
    """A paid session's id, its webhooks settled."""
    session = new_session(stripe_client)
    control.pay(session.id)
    control.settle()
    return session.id


def completed_event_ids(stripe_client: stripe.StripeClient) -> list[str]:
    return [e.id for e in stripe_client.v1.events.list(params={"type": COMPLETED}).data]


def undelivered(stripe_client: stripe.StripeClient) -> list[str]:
    return [e.id for e in stripe_client.v1.events.list(params={"delivery_success": False}).data]


def test_drop_loses_the_delivery_for_good(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("drop", event_type=COMPLETED)
    pay(stripe_client, control)
    control.advance(days=3)

    assert receiver.of_type(COMPLETED) == []
    assert receiver.of_type("charge.succeeded")  # the other events still arrive
    [attempt] = control.deliveries(event_type=COMPLETED).attempts
    assert attempt.faults == ["drop"]
    assert (attempt.status_code, attempt.succeeded) == (None, False)
    assert "never retried" in (attempt.error or "")
    assert control.deliveries().pending == []
    assert undelivered(stripe_client) == completed_event_ids(stripe_client)
    assert control.injected() == {"drop": 1}


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [({"status": 503}, 503, None), ({"timeout": True}, None, "timed out after 1 s (fault)")],
    ids=["status", "timeout"],
)
def test_fail_answers_for_the_endpoint_and_the_schedule_retries(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
    params: dict[str, object],
    status: int | None,
    error: str | None,
) -> None:
    control.add_fault("fail", event_type=COMPLETED, times=2, **params)
    pay(stripe_client, control)
    assert receiver.of_type(COMPLETED) == []
    assert undelivered(stripe_client) == completed_event_ids(stripe_client)

    control.advance(seconds=sum(TEST_MODE.delays[:2]))

    attempts = control.deliveries(event_type=COMPLETED).attempts
    assert [(a.attempt, a.status_code, a.error, a.faults) for a in attempts[:2]] == [
        (1, status, error, ["fail"]),
        (2, status, error, ["fail"]),
    ]
    assert (attempts[2].attempt, attempts[2].status_code, attempts[2].faults) == (3, 200, [])
    assert len(receiver.of_type(COMPLETED)) == 1  # the failed attempts never reached it
    assert undelivered(stripe_client) == []


@pytest.mark.parametrize("concurrent", [False, True], ids=["sequential", "concurrent"])
def test_duplicate_sends_the_same_event_more_times(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
    concurrent: bool,
) -> None:
    control.add_fault("duplicate", event_type=COMPLETED, count=3, concurrent=concurrent)
    session_id = pay(stripe_client, control)

    arrived = receiver.of_type(COMPLETED)
    assert len(arrived) == 4
    assert len({r.event_id for r in arrived}) == 1
    assert all(r.verified and r.object_id == session_id for r in arrived)
    attempts = control.deliveries(event_type=COMPLETED).attempts
    assert sorted(a.copy for a in attempts) == [0, 1, 2, 3]
    assert {(a.attempt, tuple(a.faults)) for a in attempts} == {(1, ("duplicate",))}


def test_reissue_sends_the_same_change_under_a_new_event_id(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("reissue", event_type=COMPLETED)
    session_id = pay(stripe_client, control)

    arrived = receiver.of_type(COMPLETED)
    assert len(arrived) == 2
    assert len({r.event_id for r in arrived}) == 2  # only the business key dedupes these
    assert {r.object_id for r in arrived} == {session_id}
    assert len(completed_event_ids(stripe_client)) == 2
    faults = sorted(a.faults[0] for a in control.deliveries(event_type=COMPLETED).attempts)
    assert faults == ["reissue", "reissued_copy"]


def test_an_unbounded_reissue_reissues_each_event_once_and_never_a_copy(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("reissue", event_type=COMPLETED, times=None)
    pay(stripe_client, control)
    pay(stripe_client, control)

    assert len(completed_event_ids(stripe_client)) == 4
    assert len(receiver.of_type(COMPLETED)) == 4
    assert control.injected() == {"reissue": 2}


def test_delay_holds_the_first_attempt_for_fake_seconds(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("delay", event_type=COMPLETED, seconds=600)
    session = new_session(stripe_client)
    control.pay(session.id)  # Checkout does not wait for a delayed webhook
    control.settle()
    [pending] = control.deliveries().pending
    assert (pending.state, pending.event_type, pending.faults) == (
        "scheduled",
        COMPLETED,
        ["delay"],
    )

    control.advance(seconds=599)
    assert receiver.of_type(COMPLETED) == []
    control.advance(seconds=2)

    assert len(receiver.of_type(COMPLETED)) == 1
    [attempt] = control.deliveries(event_type=COMPLETED).attempts
    assert attempt.scheduled_at == pytest.approx(pending.due or 0)
    created = stripe_client.v1.events.retrieve(attempt.event_id).created
    assert attempt.scheduled_at - created == pytest.approx(600, abs=1.5)


def test_delay_and_duplicate_compose(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("delay", event_type=COMPLETED, seconds=60)
    control.add_fault("duplicate", event_type=COMPLETED, count=1)
    pay(stripe_client, control)
    assert receiver.of_type(COMPLETED) == []

    control.advance(minutes=1)

    assert len(receiver.of_type(COMPLETED)) == 2
    attempts = control.deliveries(event_type=COMPLETED).attempts
    assert [(a.copy, a.faults) for a in attempts] == [
        (0, ["delay", "duplicate"]),
        (1, ["delay", "duplicate"]),
    ]


def test_a_failed_attempt_does_not_use_up_rules_that_shape_a_sent_one(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("fail", event_type=COMPLETED, times=1, status=500)
    duplicate = control.add_fault("duplicate", event_type=COMPLETED, times=1)
    pay(stripe_client, control)
    assert control.fault(duplicate.id).applied == 0

    control.advance(minutes=5)

    attempts = control.deliveries(event_type=COMPLETED).attempts
    assert [(a.attempt, a.copy, a.status_code, a.faults) for a in attempts] == [
        (1, 0, 500, ["fail"]),
        (2, 0, 200, ["duplicate"]),
        (2, 1, 200, ["duplicate"]),
    ]
    assert len(receiver.of_type(COMPLETED)) == 2


def test_a_held_delivery_does_not_use_up_a_delay(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
) -> None:
    control.add_fault("hold", event_type=COMPLETED, times=1)
    delay = control.add_fault("delay", event_type=COMPLETED, times=1, seconds=60)
    pay(stripe_client, control)
    pay(stripe_client, control)

    pending = sorted((p.state, p.faults) for p in control.deliveries().pending)
    assert pending == [("held", ["hold"]), ("scheduled", ["delay"])]
    assert control.fault(delay.id).applied == 1


def test_times_bounds_a_rule_and_object_id_aims_it_at_one_session(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    target, bystander = new_session(stripe_client), new_session(stripe_client)
    rule = control.add_fault("drop", object_id=target.id, times=None)
    twice = control.add_fault("duplicate", event_type="charge.succeeded", times=1)

    for session in (bystander, target):
        control.pay(session.id)
    control.settle()

    assert {r.object_id for r in receiver.of_type(COMPLETED)} == {bystander.id}
    assert len(receiver.of_type("charge.succeeded")) == 3  # one duplicated, one not
    dropped = [a for a in control.deliveries().attempts if a.faults == ["drop"]]
    assert {a.object_id for a in dropped} == {target.id}
    assert control.fault(rule.id).applied == len(dropped)
    assert (control.fault(twice.id).applied, control.fault(twice.id).remaining) == (1, 0)


def dropped_sessions(
    stripe_client: stripe.StripeClient, control: FakeStripeControl, seed: int
) -> list[int]:
    """Pay ten sessions under a 50% drop rule; which of them (by position) lost their webhook."""
    control.reset(seed=seed)
    control.add_fault("drop", event_type=COMPLETED, times=None, probability=0.5)
    sessions = [new_session(stripe_client).id for _ in range(10)]
    for session_id in sessions:
        control.pay(session_id)
    control.settle()
    dropped = {a.object_id for a in control.deliveries().attempts if a.faults == ["drop"]}
    return [index for index, session_id in enumerate(sessions) if session_id in dropped]


def test_the_same_seed_drops_the_same_deliveries(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
) -> None:
    first = dropped_sessions(stripe_client, control, seed=11)
    again = dropped_sessions(stripe_client, control, seed=11)
    other = dropped_sessions(stripe_client, control, seed=12)

    assert first == again
    assert 0 < len(first) < 10
    assert other != first
