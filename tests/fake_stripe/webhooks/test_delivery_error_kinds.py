"""Why an attempt failed, as data: each failed attempt in ``GET /_control/deliveries`` carries
an ``error_kind`` beside its free-text ``error`` (unchanged), a successful one carries null.
Each kind here is caused for real: a port nothing listens on, an endpoint too slow or one that
hangs up without answering, a non-2xx answer, and each fault that spoils an attempt."""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
import stripe

from fake_stripe.client import DeliveryAttempt, FakeStripeControl
from fake_stripe.server import FakeStripeServer, bind
from fake_stripe.webhooks.records import ERROR_KINDS
from fake_stripe.webhooks.sending import connection_kind
from harness.ports import free_port
from tests.fake_stripe.conftest import DELIVERY_TIMEOUT, new_session
from tests.fake_stripe.receiver import Answer, Receiver

COMPLETED = "checkout.session.completed"


class HangUp:
    """A TCP server that reads each request and closes the connection without a word."""

    def __init__(self) -> None:
        self._socket = bind("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/webhooks/stripe"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:  # closed by stop()
                return
            with connection:
                connection.recv(65536)

    def stop(self) -> None:
        self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()
        self._thread.join(timeout=5)


@pytest.fixture
def completed_only(
    stripe_client: stripe.StripeClient, endpoint: stripe.WebhookEndpoint
) -> stripe.WebhookEndpoint:
    return stripe_client.v1.webhook_endpoints.update(
        endpoint.id, params={"enabled_events": [COMPLETED]}
    )


@pytest.fixture
def hang_up() -> Iterator[HangUp]:
    server = HangUp()
    yield server
    server.stop()


def first_two(control: FakeStripeControl, session_id: str) -> list[DeliveryAttempt]:
    """The first attempt (failed) and the retry five fake minutes later."""
    control.advance(minutes=5)
    return control.deliveries(object_id=session_id, event_type=COMPLETED).attempts[:2]


def endpoint_at(client: stripe.StripeClient, url: str) -> None:
    client.v1.webhook_endpoints.create(params={"url": url, "enabled_events": [COMPLETED]})


def test_a_non_2xx_answer_is_non_2xx_and_the_successful_retry_has_no_kind(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    completed_only: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    receiver.answer_with(Answer(status=503))
    session = new_session(stripe_client)
    control.pay(session.id)

    failed, retried = first_two(control, session.id)

    assert (failed.status_code, failed.error, failed.error_kind) == (503, None, "non_2xx")
    assert (retried.status_code, retried.error, retried.error_kind) == (200, None, None)


def test_a_redirect_is_non_2xx_too(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    completed_only: stripe.WebhookEndpoint,
    receiver: Receiver,
) -> None:
    receiver.answer_with(Answer(status=302))
    session = new_session(stripe_client)
    control.pay(session.id)

    assert first_two(control, session.id)[0].error_kind == "non_2xx"


def test_a_port_nothing_listens_on_is_connection_refused(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    endpoint_at(stripe_client, f"http://127.0.0.1:{free_port()}/webhooks/stripe")
    session = new_session(stripe_client)
    control.pay(session.id)

    failed, retried = first_two(control, session.id)

    assert failed.error is not None
    assert failed.error.startswith("connection failed")  # the text is what it always was
    assert failed.error_kind == retried.error_kind == "connection_refused"


def test_an_endpoint_that_hangs_up_without_answering_is_connection_closed(
    stripe_client: stripe.StripeClient, control: FakeStripeControl, hang_up: HangUp
) -> None:
    endpoint_at(stripe_client, hang_up.url)
    session = new_session(stripe_client)
    control.pay(session.id)

    failed, _ = first_two(control, session.id)

    assert failed.status_code is None
    assert (failed.error or "").startswith("connection failed")
    assert failed.error_kind == "connection_closed"


def test_an_endpoint_slower_than_the_delivery_timeout_is_timeout(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    slow = Receiver()
    try:
        created = stripe_client.v1.webhook_endpoints.create(
            params={"url": slow.url, "enabled_events": [COMPLETED]}
        )
        slow.reset(created.secret)
        slow.answer_with(Answer(delay=DELIVERY_TIMEOUT + 0.5))
        session = new_session(stripe_client)
        control.pay(session.id)

        failed, retried = first_two(control, session.id)
    finally:
        slow.stop()

    assert failed.error == f"timed out after {DELIVERY_TIMEOUT:g} s"
    assert (failed.error_kind, retried.error_kind) == ("timeout", None)


@pytest.mark.parametrize(
    ("action", "params", "kind"),
    [
        ("drop", {}, "dropped_by_fault"),
        ("fail", {"status": 500}, "non_2xx_by_fault"),
        ("fail", {"timeout": True}, "timeout_by_fault"),
        ("corrupt_signature", {}, "bad_signature_by_fault"),
        ("wrong_secret", {}, "bad_signature_by_fault"),
        ("stale_timestamp", {}, "bad_signature_by_fault"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_an_attempt_a_fault_spoiled_says_which_fault_kind(
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    completed_only: stripe.WebhookEndpoint,
    receiver: Receiver,
    action: str,
    params: dict[str, Any],
    kind: str,
) -> None:
    control.add_fault(action, event_type=COMPLETED, **params)
    session = new_session(stripe_client)
    control.pay(session.id)
    control.advance(minutes=5)

    attempts = control.deliveries(object_id=session.id, event_type=COMPLETED).attempts

    assert attempts[0].faults == [action]
    assert attempts[0].error_kind == kind
    assert all(a.error_kind is None for a in attempts if a.succeeded)


def test_the_kind_is_in_the_raw_log_for_every_attempt(
    fake_server: FakeStripeServer,
    stripe_client: stripe.StripeClient,
    control: FakeStripeControl,
    completed_only: stripe.WebhookEndpoint,
) -> None:
    control.add_fault("fail", event_type=COMPLETED, status=502)
    control.pay(new_session(stripe_client).id)
    control.advance(minutes=5)

    raw = httpx.get(f"{fake_server.base_url}/_control/deliveries").json()["attempts"]

    assert [(a["status_code"], a["error_kind"]) for a in raw] == [
        (502, "non_2xx_by_fault"),
        (200, None),
    ]


def refused_by_happy_eyeballs() -> OSError:
    """What aiohttp's connect raises with two addresses (``localhost``: ::1 and 127.0.0.1)
    both refused: one ``OSError`` joining them, with their errno."""
    return OSError(errno.ECONNREFUSED, "Multiple exceptions: [Errno 111] ..., [Errno 111] ...")


def wrapped(error: Exception, cause: BaseException) -> Exception:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (wrapped(aiohttp.ClientError("Cannot connect"), ConnectionRefusedError(111, "refused")),
         "connection_refused"),
        (wrapped(aiohttp.ClientError("Cannot connect"), refused_by_happy_eyeballs()),
         "connection_refused"),
        (aiohttp.ServerDisconnectedError(), "connection_closed"),
        (aiohttp.ClientPayloadError("Response payload is not completed"), "connection_closed"),
        (aiohttp.ClientOSError(errno.ECONNRESET, "Connection reset by peer"), "connection_closed"),
        (aiohttp.ClientOSError(errno.EPIPE, "Broken pipe"), "connection_closed"),
        (aiohttp.ClientOSError(errno.ENETUNREACH, "Network is unreachable"), "connection_failed"),
        (aiohttp.InvalidURL("http://[::1/webhooks"), "connection_failed"),
        (aiohttp.NonHttpUrlClientError("ftp://127.0.0.1/webhooks"), "connection_failed"),
        (ValueError("anything else the client raises"), "connection_failed"),
    ],
    ids=lambda value: value if isinstance(value, str) else type(value).__name__,
)  # fmt: skip
def test_what_the_http_client_raises_maps_to_a_connection_kind(error: Exception, kind: str) -> None:
    assert connection_kind(error) == kind


def test_every_kind_is_documented_in_the_control_api_contract() -> None:
    contract = (Path(__file__).resolve().parents[3] / "docs" / "control-api.md").read_text()

    assert [kind for kind in ERROR_KINDS if f"`{kind}`" not in contract] == []
