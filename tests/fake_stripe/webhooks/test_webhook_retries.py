"""Failed attempts (3xx, 5xx, timeouts, refused connections) retried on the fake clock, on the
test-mode schedule, a custom one and the live one."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import stripe

from fake_stripe.client import DeliveryAttempt, FakeStripeControl
from fake_stripe.server import FakeStripeServer
from fake_stripe.service import Settings
from fake_stripe.webhooks.schedule import LIVE_MODE, TEST_MODE, parse_schedule
from harness.ports import free_port
from tests.fake_stripe.conftest import DELIVERY_TIMEOUT, new_session
from tests.fake_stripe.receiver import Answer, Receiver

COMPLETED = "checkout.session.completed"


def closed_port_url() -> str:
    """A loopback URL nothing listens on: every attempt is refused."""
    return f"http://127.0.0.1:{free_port()}/webhooks/stripe"


def sdk_client(server: FakeStripeServer) -> stripe.StripeClient:
    return stripe.StripeClient(
        "sk_test_fake_123",
        base_addresses={"api": server.base_url},
        http_client=stripe.HTTPXClient(allow_sync_methods=True),
        max_network_retries=0,
    )


def assert_follows_schedule(attempts: list[DeliveryAttempt], delays: tuple[float, ...]) -> None:
    """Attempt n+1 is scheduled ``delays[n-1]`` seconds after attempt n was sent, and sent
    when due."""
    assert [a.attempt for a in attempts] == list(range(1, len(delays) + 2))
    for failed, retry, delay in zip(attempts[:-1], attempts[1:], delays, strict=True):
        assert retry.scheduled_at - failed.sent_at == pytest.approx(delay, abs=0.01)
        assert 0 <= retry.sent_at - retry.scheduled_at < 1.0


@pytest.fixture
def completed_only(
    stripe_client: stripe.StripeClient, endpoint: stripe.WebhookEndpoint
) -> stripe.WebhookEndpoint:
    """The receiver's endpoint, narrowed so that scripted answers meet one event only."""
    return stripe_client.v1.webhook_endpoints.update(
        endpoint.id, params={"enabled_events": [COMPLETED]}
    )


@pytest.fixture
def slow_receiver(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> Iterator[Receiver]:
    """A receiver of its own for timeouts: stopping it waits for the answers the fake gave up
    on, so none of them lands in another test."""
    server = Receiver()
    created = stripe_client.v1.webhook_endpoints.create(
        params={"url": server.url, "enabled_events": [COMPLETED]}
    )
    server.reset(created.secret)
    yield server
    server.stop()


@pytest.mark.parametrize(
    "failure", [Answer(status=302), Answer(status=500), Answer(status=404)], ids=str
)
def test_non_2xx_answers_are_retried_on_the_test_mode_schedule_then_given_up(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    completed_only: stripe.WebhookEndpoint,
    receiver: Receiver,
    failure: Answer,
) -> None:
    receiver.answer_with(*[failure] * TEST_MODE.max_attempts)
    session = new_session(stripe_client)

    control.pay(session.id)
    control.advance(hours=3)
    control.advance(days=1)  # nothing more after the last retry

    attempts = control.deliveries(event_type=COMPLETED).attempts
    assert_follows_schedule(attempts, TEST_MODE.delays)
    assert {a.status_code for a in attempts} == {failure.status}
    assert not any(a.succeeded for a in attempts)
    assert len(receiver.received) == TEST_MODE.max_attempts
    assert all(r.verified for r in receiver.received)  # each retry signed afresh, still valid
    assert control.deliveries().pending == []
    [event] = stripe_client.v1.events.list(params={"type": COMPLETED}).data
    assert event.pending_webhooks == 1
    failed = stripe_client.v1.events.list(params={"delivery_success": False}).data
    assert [e.id for e in failed] == [event.id]


def test_a_retry_that_succeeds_ends_the_delivery(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    completed_only: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    receiver.answer_with(Answer(status=301), Answer(status=503))
    session = new_session(stripe_client)

    control.pay(session.id)
    control.advance(minutes=5)
    assert [a.status_code for a in control.deliveries(event_type=COMPLETED).attempts] == [
        301,
        503,
    ]
    [pending] = control.deliveries().pending
    assert (pending.state, pending.attempts) == ("scheduled", 2)
    control.advance(minutes=30)
    control.advance(days=1)

    attempts = control.deliveries(event_type=COMPLETED).attempts
    assert [(a.attempt, a.status_code) for a in attempts] == [(1, 301), (2, 503), (3, 200)]
    assert_follows_schedule(attempts, TEST_MODE.delays[:2])
    assert control.deliveries().pending == []
    [event] = stripe_client.v1.events.list(params={"type": COMPLETED}).data
    assert event.pending_webhooks == 0


def test_a_slow_endpoint_times_out_and_is_retried(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    slow_receiver: Receiver,
) -> None:
    too_slow = Answer(delay=DELIVERY_TIMEOUT + 0.5)
    slow_receiver.answer_with(too_slow, too_slow)
    session = new_session(stripe_client)

    control.pay(session.id)
    control.advance(minutes=5)
    control.advance(minutes=30)

    attempts = control.deliveries(event_type=COMPLETED).attempts
    assert [(a.attempt, a.status_code) for a in attempts] == [(1, None), (2, None), (3, 200)]
    assert all("timed out after 1 s" in (a.error or "") for a in attempts[:2])
    assert all(DELIVERY_TIMEOUT * 1000 <= (a.duration_ms or 0) < 3000 for a in attempts[:2])
    assert_follows_schedule(attempts, TEST_MODE.delays[:2])


def test_a_refused_connection_is_retried(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    url = closed_port_url()
    stripe_client.v1.webhook_endpoints.create(params={"url": url, "enabled_events": [COMPLETED]})
    session = new_session(stripe_client)

    control.pay(session.id)
    control.advance(hours=3)

    attempts = control.deliveries(event_type=COMPLETED).attempts
    assert_follows_schedule(attempts, TEST_MODE.delays)
    assert all(a.endpoint_url == url for a in attempts)
    assert all((a.error or "").startswith("connection failed") for a in attempts)


# -- other schedules, on fakes of their own -------------------------------------------------------


@pytest.fixture(scope="module")
def custom_fake() -> Iterator[FakeStripeServer]:
    settings = Settings(seed=3, retry_schedule=parse_schedule("60,120"), delivery_timeout=1.0)
    with FakeStripeServer(settings) as server:
        yield server


@pytest.fixture(scope="module")
def live_fake() -> Iterator[FakeStripeServer]:
    with FakeStripeServer(Settings(seed=4, retry_schedule=LIVE_MODE)) as server:
        yield server


def reset_control(server: FakeStripeServer) -> FakeStripeControl:
    control = FakeStripeControl(server.base_url)
    control.reset(endpoints=True)
    return control


def test_a_custom_schedule_sets_the_retries(
    custom_fake: FakeStripeServer, receiver: Receiver
) -> None:
    with reset_control(custom_fake) as control:
        client = sdk_client(custom_fake)
        created = client.v1.webhook_endpoints.create(
            params={"url": receiver.url, "enabled_events": [COMPLETED]}
        )
        receiver.reset(created.secret)
        receiver.answer_with(Answer(status=500), Answer(status=500), Answer(status=500))
        session = new_session(client)

        control.pay(session.id)
        control.advance(seconds=59)
        assert len(control.deliveries().attempts) == 1
        control.advance(seconds=1)
        assert len(control.deliveries().attempts) == 2
        control.advance(hours=1)

        assert control.clock().retry_schedule == {
            "name": "custom",
            "delays": [60.0, 120.0],
            "max_attempts": 3,
        }
        attempts = control.deliveries(event_type=COMPLETED).attempts
        assert_follows_schedule(attempts, (60.0, 120.0))
        assert len(receiver.received) == 3
        assert control.deliveries().pending == []


def test_the_live_schedule_spans_about_three_days_and_takes_well_under_a_second(
    live_fake: FakeStripeServer, record_property: pytest.RecordProperty
) -> None:
    with reset_control(live_fake) as control:
        client = sdk_client(live_fake)
        client.v1.webhook_endpoints.create(
            params={"url": closed_port_url(), "enabled_events": [COMPLETED]}
        )
        session = new_session(client)
        control.pay(session.id)

        started = time.perf_counter()
        clock = control.advance(days=4)
        elapsed = time.perf_counter() - started

        record_property("live_schedule_advance_seconds", round(elapsed, 3))
        print(f"advanced through the live schedule (4 fake days) in {elapsed:.3f} s")
        assert elapsed < 5.0
        assert clock.offset == 4 * 86400
        attempts = control.deliveries(event_type=COMPLETED).attempts
        assert_follows_schedule(attempts, LIVE_MODE.delays)
        span = attempts[-1].sent_at - attempts[0].sent_at
        assert 2.5 * 86400 < span <= 3 * 86400
        assert control.deliveries().pending == []
