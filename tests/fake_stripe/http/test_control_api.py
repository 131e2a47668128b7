"""``/_control``, the contract a test suite drives the fake by: faults, the delivery log, settle,
resend, paying without a browser, and JSON errors (4xx, never 500) for bad input. Reset has a
module of its own (test_control_reset.py), as do paying (test_control_pay.py) and hostile input
(test_control_hostile_input.py, test_control_fuzz.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe

from fake_stripe.client import ControlError, FakeStripeControl
from fake_stripe.server import FakeStripeServer
from tests.fake_stripe.conftest import new_session
from tests.fake_stripe.receiver import Answer, Receiver

COMPLETED = "checkout.session.completed"


@pytest.fixture
def raw(fake_server: FakeStripeServer, control: FakeStripeControl) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake_server.base_url) as client:
        yield client


def test_fault_rules_are_added_listed_read_and_removed_as_data(
    raw: httpx.Client, control: FakeStripeControl
) -> None:
    spec = {
        "action": "fail",
        "match": {"event_type": COMPLETED, "object_id": "cs_test_x"},
        "times": 2,
        "params": {"status": 502},
        "probability": 0.25,
    }
    created = raw.post("/_control/faults", json=spec)
    assert created.status_code == 201
    rule = created.json()
    assert rule == {
        **spec,
        "id": "fault_1",
        "match": {"event_type": COMPLETED, "object_id": "cs_test_x", "endpoint": None},
        "params": {"status": 502, "timeout": False},
        "applied": 0,
        "remaining": 2,
    }
    other = control.add_fault("drop", event_type="charge.succeeded", times=None)

    assert raw.get("/_control/faults/fault_1").json() == rule
    assert [r.id for r in control.faults()] == ["fault_1", other.id]
    control.remove_fault("fault_1")
    assert [r.id for r in control.faults()] == [other.id]
    control.clear_faults()
    assert control.faults() == []


def test_the_delivery_log_records_every_attempt_and_filters(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("fail", event_type=COMPLETED, status=500)
    session = new_session(stripe_client)
    control.pay(session.id)
    control.advance(minutes=5)

    log = control.deliveries()
    assert {a.event_type for a in log.attempts} >= {"charge.succeeded", COMPLETED}
    first, second = control.deliveries(object_id=session.id).attempts
    assert (first.event_type, first.object_id, first.endpoint_id) == (
        COMPLETED,
        session.id,
        endpoint.id,
    )
    assert first.endpoint_url == second.endpoint_url == receiver.url
    assert first.event_id == second.event_id
    assert first.delivery_id == second.delivery_id
    assert [(a.attempt, a.status_code, a.faults, a.succeeded) for a in (first, second)] == [
        (1, 500, ["fail"], False),
        (2, 200, [], True),
    ]
    assert first.scheduled_at <= first.sent_at < second.scheduled_at <= second.sent_at
    assert second.duration_ms is not None
    assert second.duration_ms > 0
    assert second.error is None
    assert control.deliveries(event_id=first.event_id).attempts == [first, second]
    assert control.deliveries(endpoint_id="we_other").attempts == []


def test_settle_that_runs_out_of_time_answers_504_with_a_message(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    stripe_client.v1.webhook_endpoints.update(endpoint.id, params={"enabled_events": [COMPLETED]})
    receiver.answer_with(Answer(delay=0.5))  # slow, but inside the fake's 1 s timeout
    control.pay(new_session(stripe_client).id, wait_for_webhook=False)

    with pytest.raises(ControlError) as timed_out:
        control.settle(timeout=0.05)

    assert timed_out.value.status == 504
    assert "not settled: 1 deliveries in flight" in timed_out.value.message
    settled = control.settle()
    assert (settled.held, settled.scheduled) == (0, 0)
    assert len(receiver.of_type(COMPLETED)) == 1


def test_settle_reports_what_is_held_and_what_is_scheduled_for_later(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
) -> None:
    control.add_fault("hold", event_type=COMPLETED)
    control.add_fault("fail", event_type="charge.succeeded")
    control.pay(new_session(stripe_client).id)

    settled = control.settle()

    assert (settled.held, settled.scheduled) == (1, 1)
    [charge] = control.deliveries(event_type="charge.succeeded").attempts
    assert settled.next_due == pytest.approx(charge.sent_at + 300)


def test_resend_delivers_the_same_event_again(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.pay(new_session(stripe_client).id)
    control.settle()
    [completed] = receiver.of_type(COMPLETED)

    [delivery_id] = control.resend(completed.event_id or "", endpoint.id)
    control.settle()

    first, again = receiver.of_type(COMPLETED)
    assert again.event_id == first.event_id
    assert again.verified
    [resent] = [a for a in control.deliveries().attempts if a.delivery_id == delivery_id]
    assert (resent.attempt, resent.status_code) == (1, 200)


def test_resend_recovers_a_dropped_event(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("drop", event_type=COMPLETED)
    control.pay(new_session(stripe_client).id)
    control.settle()
    [lost] = stripe_client.v1.events.list(params={"delivery_success": False}).data

    control.resend(lost.id)
    control.settle()

    assert [r.event_id for r in receiver.of_type(COMPLETED)] == [lost.id]
    assert stripe_client.v1.events.retrieve(lost.id).pending_webhooks == 0
    assert stripe_client.v1.events.list(params={"delivery_success": False}).data == []


def test_a_failed_resend_is_not_retried(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    control.add_fault("drop", event_type=COMPLETED)
    control.pay(new_session(stripe_client).id)
    control.settle()
    [lost] = stripe_client.v1.events.list(params={"delivery_success": False}).data
    control.add_fault("fail", event_type=COMPLETED, status=500)

    control.resend(lost.id)
    control.advance(days=1)

    assert [(a.attempt, a.status_code) for a in control.deliveries(event_id=lost.id).attempts] == [
        (1, None),
        (1, 500),
    ]
    assert stripe_client.v1.events.retrieve(lost.id).pending_webhooks == 1


def test_pay_goes_through_the_page_s_code_declines_then_3d_secure(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    endpoint: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    session = new_session(stripe_client)

    declined = control.pay(session.id, card="4000000000000002")
    paid = control.pay(session.id, card="4000002760003184", three_d_secure="pass")

    assert (declined.status, declined.message) == ("declined", "Your card was declined.")
    assert declined.redirect_url is None
    assert paid.status == "succeeded"
    assert paid.redirect_url is not None
    assert session.id in paid.redirect_url
    assert COMPLETED in [e["type"] for e in paid.events]
    assert len(receiver.of_type(COMPLETED)) == 1
    with pytest.raises(ControlError) as again:
        control.pay(session.id)
    assert again.value.status == 400  # only an open session takes a payment
    control.settle()


BAD_REQUESTS: list[tuple[str, str, Any, int]] = [
    ("POST", "/_control/reset", b"not json", 400),
    ("POST", "/_control/reset", [1], 400),
    ("POST", "/_control/reset", {"seed": "x"}, 400),
    ("POST", "/_control/reset", {"endpoints": "yes"}, 400),
    ("POST", "/_control/faults", {"action": "explode"}, 400),
    ("POST", "/_control/faults", [], 400),
    ("POST", "/_control/faults", {"action": "delay", "params": {"seconds": "soon"}}, 400),
    ("GET", "/_control/faults/fault_404", None, 404),
    ("DELETE", "/_control/faults/fault_404", None, 404),
    ("POST", "/_control/clock/advance", {}, 400),
    ("POST", "/_control/clock/advance", {"seconds": "10"}, 400),
    ("POST", "/_control/clock/advance", {"seconds": True}, 400),
    ("POST", "/_control/clock/advance", {"seconds": -1}, 400),
    ("POST", "/_control/clock/advance", b'{"seconds": NaN}', 400),
    ("POST", "/_control/clock/advance", b'{"seconds": Infinity}', 400),
    ("POST", "/_control/clock/advance", b'{"seconds": 1e400}', 400),
    ("POST", "/_control/clock/advance", {"seconds": 1e12}, 400),
    ("POST", "/_control/clock/advance", {"seconds": 1, "timeout": 0}, 400),
    ("POST", "/_control/deliveries/settle", {"timeout": -1}, 400),
    ("POST", "/_control/deliveries/release", {"ids": "dlv_1"}, 400),
    ("POST", "/_control/deliveries/release", {"ids": [1]}, 400),
    ("POST", "/_control/deliveries/release", {"ids": ["dlv_404"]}, 404),
    ("POST", "/_control/checkout/sessions/cs_test_missing/pay", {}, 404),
    ("POST", "/_control/checkout/sessions/cs_test_missing/pay", {"email": 5}, 400),
    ("POST", "/_control/checkout/sessions/cs_test_missing/pay", {"card": 4242}, 400),
    ("POST", "/_control/checkout/sessions/cs_test_missing/pay", {"three_d_secure": "ok"}, 400),
    ("POST", "/_control/checkout/sessions/cs_test_missing/pay", {"wait_for_webhook": 1}, 400),
    ("POST", "/_control/checkout/sessions/cs_test_missing/expire", None, 404),
    ("POST", "/_control/events/evt_missing/resend", None, 404),
    ("POST", "/_control/events/evt_missing/resend", {"endpoint": 5}, 400),
    ("POST", "/_control/webhook_endpoints/we_missing/roll_secret", None, 404),
    ("POST", "/_control/webhook_endpoints/we_missing/roll_secret", {"overlap_seconds": "1"}, 400),
    ("GET", "/_control/no/such/thing", None, 404),
    ("PUT", "/_control/faults", {}, 405),
    ("GET", "/_control/clock/advance", None, 405),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    BAD_REQUESTS,
    ids=[f"{m} {p.removeprefix('/_control')} {b!r:.30}" for m, p, b, _ in BAD_REQUESTS],
)
def test_bad_input_gets_a_4xx_json_error_never_a_500(
    raw: httpx.Client, method: str, path: str, body: Any, status: int
) -> None:
    if isinstance(body, bytes):
        response = raw.request(method, path, content=body)
    else:
        response = raw.request(method, path, json=body)

    assert response.status_code == status, response.text
    message = response.json()["error"]["message"]
    assert isinstance(message, str)
    assert message
    assert raw.get("/_control/health").json()["ok"]  # and the fake keeps serving


def test_the_client_raises_control_error_with_the_fake_s_message(
    control: FakeStripeControl,
) -> None:
    with pytest.raises(ControlError, match="action must be one of") as refused:
        control.add_fault("explode")
    assert refused.value.status == 400
    with pytest.raises(ControlError, match="fault_9") as missing:
        control.fault("fault_9")
    assert missing.value.status == 404
