"""``/_control`` against input no honest client sends: JSON nested thousands deep, numbers
thousands of digits long or past what a float holds, lone surrogates, oversized bodies, digits
that are not ASCII. Each gets a 4xx JSON error that says why, and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import stripe

from fake_stripe.client import FakeStripeControl
from fake_stripe.server import FakeStripeServer
from tests.fake_stripe.conftest import new_session

COMPLETED = "checkout.session.completed"
PAST_A_FLOAT = "1" + "0" * 309  # 1e309: float() of it overflows
LONGER_THAN_PYTHON_READS = "9" * 5000  # int() refuses more than 4,300 digits


@dataclass(frozen=True)
class World:
    """Something of everything a control call could change, and the ids that name it."""

    raw: httpx.Client
    stripe_client: stripe.StripeClient
    session_id: str  # open
    endpoint_id: str
    event_id: str

    def path(self, template: str) -> str:
        return template.format(
            session=self.session_id, endpoint=self.endpoint_id, event=self.event_id
        )

    def state(self) -> dict[str, Any]:
        """All a control call could change, as it reads from outside."""
        clock = self.raw.get("/_control/clock").json()
        return {
            "health": self.raw.get("/_control/health").json(),
            "faults": self.raw.get("/_control/faults").json(),
            "offset": clock["offset"],
            "deliveries": self.raw.get("/_control/deliveries").json(),
            "sessions": [
                (s.id, s.status, s.payment_status)
                for s in self.stripe_client.v1.checkout.sessions.list().data
            ],
            "events": [e.id for e in self.stripe_client.v1.events.list().data],
            "endpoints": [
                (e.id, e.secret) for e in self.stripe_client.v1.webhook_endpoints.list().data
            ],
        }


@pytest.fixture
def world(
    fake_server: FakeStripeServer,
    control: FakeStripeControl,
    stripe_client: stripe.StripeClient,
    endpoint: stripe.WebhookEndpoint,
) -> Iterator[World]:
    control.pay(new_session(stripe_client).id)
    control.settle()
    [event] = stripe_client.v1.events.list(params={"type": COMPLETED}).data
    control.add_fault("hold", event_type="charge.refunded", times=None)
    control.advance(seconds=60)
    session = new_session(stripe_client)
    with httpx.Client(base_url=fake_server.base_url, timeout=30) as raw:
        yield World(raw, stripe_client, session.id, endpoint.id, event.id)


# every control call that reads a JSON body, with the ids it needs filled in
JSON_POSTS = [
    "/_control/reset",
    "/_control/faults",
    "/_control/clock/advance",
    "/_control/deliveries/settle",
    "/_control/deliveries/release",
    "/_control/checkout/sessions/{session}/pay",
    "/_control/events/{event}/resend",
    "/_control/webhook_endpoints/{endpoint}/roll_secret",
]
DEEP_BODIES = {
    "open_arrays": b"[" * 3000,
    "open_objects": b'{"a":' * 3000,
    "closed_arrays": b"[" * 3000 + b"]" * 3000,
    "deep_in_a_field": b'{"ids": ' + b"[" * 3000 + b"]" * 3000 + b"}",
}


@pytest.mark.parametrize("path", JSON_POSTS)
@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
def test_json_nested_thousands_deep_is_a_400_that_changes_nothing(
    world: World, path: str, body: bytes
) -> None:
    assert_refused(world, "POST", world.path(path), body, 400, "nested deeper than")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/_control/clock/advance", "seconds"),
        ("/_control/deliveries/settle", "timeout"),
        ("/_control/webhook_endpoints/{endpoint}/roll_secret", "overlap_seconds"),
        ("/_control/reset", "seed"),
        ("/_control/faults", "times"),
    ],
)
def test_a_number_thousands_of_digits_long_is_a_400_that_changes_nothing(
    world: World, path: str, field: str
) -> None:
    body = f'{{"action": "drop", "{field}": {LONGER_THAN_PYTHON_READS}}}'.encode()

    assert_refused(world, "POST", world.path(path), body, 400, "5000 characters long")


@pytest.mark.parametrize(
    ("path", "body", "reason"),
    [
        ("/_control/clock/advance", {"seconds": PAST_A_FLOAT}, "seconds must be"),
        ("/_control/clock/advance", {"seconds": 1, "timeout": PAST_A_FLOAT}, "timeout must be"),
        ("/_control/clock/advance", {"seconds": 1, "together": PAST_A_FLOAT}, "together must be"),
        ("/_control/clock/advance", {"seconds": 1, "together": "0"}, "together must be"),
        ("/_control/clock/advance", {"seconds": 1, "together": "65"}, "together must be"),
        ("/_control/deliveries/settle", {"timeout": PAST_A_FLOAT}, "timeout must be"),
        ("/_control/deliveries/settle", {"timeout": "-" + PAST_A_FLOAT}, "timeout must be"),
        (
            "/_control/webhook_endpoints/{endpoint}/roll_secret",
            {"overlap_seconds": PAST_A_FLOAT},
            "overlap_seconds must be",
        ),
        ("/_control/reset", {"seed": PAST_A_FLOAT}, "seed must be"),
        ("/_control/reset", {"seed": str(2**64)}, "seed must be"),
        ("/_control/faults", {"action": "delay", "params": {"seconds": PAST_A_FLOAT}}, "finite"),
        (
            "/_control/faults",
            {"action": "stale_timestamp", "params": {"age_seconds": PAST_A_FLOAT}},
            "finite",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and value.startswith("/") else None,
)
def test_a_number_past_what_a_float_holds_is_a_400_that_changes_nothing(
    world: World, path: str, body: dict[str, Any], reason: str
) -> None:
    assert_refused(world, "POST", world.path(path), raw_numbers(body), 400, reason)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_control/faults", {"action": "drop", "match": {"event_type": "\ud800"}}),
        ("/_control/faults", {"action": "reorder", "params": {"after": "x\udfff"}}),
        ("/_control/checkout/sessions/{session}/pay", {"email": "\ud800@example.com"}),
        ("/_control/checkout/sessions/{session}/pay", {"\ud800": 1}),
        ("/_control/deliveries/release", {"ids": ["dlv_\ud800"]}),
        ("/_control/events/{event}/resend", {"endpoint": "\udc00"}),
    ],
    ids=ascii,  # a test id must be UTF-8: xdist sends it between processes
)
def test_a_lone_surrogate_in_a_string_is_a_400_that_changes_nothing(
    world: World, path: str, body: dict[str, Any]
) -> None:
    encoded = json.dumps(body).encode()  # ensure_ascii: the surrogate travels as \udXXX

    assert_refused(world, "POST", world.path(path), encoded, 400, "lone surrogate")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/_control/reset"),
        ("POST", "/_control/faults"),
        ("POST", "/_control/checkout/sessions/{session}/pay"),
        ("POST", "/_control/checkout/sessions/{session}/expire"),  # reads no body: still capped
        ("GET", "/_control/faults"),
    ],
)
def test_a_body_over_a_megabyte_is_a_413_that_changes_nothing(
    world: World, method: str, path: str
) -> None:
    body = json.dumps({"action": "drop", "match": {"event_type": "x" * (3 << 20)}}).encode()

    assert_refused(world, method, world.path(path), body, 413, "at most 1048576 bytes")


def test_a_body_just_under_the_cap_is_read(world: World) -> None:
    pattern = "x" * ((1 << 20) - 100)

    response = world.raw.post(
        "/_control/faults", json={"action": "drop", "match": {"object_id": pattern}}
    )

    assert response.status_code == 201, response.text[:300]


@pytest.mark.parametrize(
    ("payment", "field"),
    [
        ({"card": "4242 4242 4242 42\u00b22"}, "number"),  # '²' is a digit to str.isdigit()
        ({"card": "\u0664\u0662" * 8}, "number"),  # Arabic-Indic digits: Luhn-valid as digits
        ({"expiry": "1\u00b2/34"}, "expiry"),
        ({"expiry": "12/" + "3" * 5000}, "expiry"),  # int() of 5,000 digits raises
        ({"expiry": "12/\u0663\u0664"}, "expiry"),
        ({"cvc": "\u00b2\u00b2\u00b2"}, "cvc"),
    ],
    ids=ascii,  # a test id must be UTF-8: xdist sends it between processes
)
def test_digits_that_are_not_ascii_are_the_page_s_inline_error_not_a_crash(
    world: World, payment: dict[str, str], field: str
) -> None:
    body = {"email": "jenny@example.com", **payment}

    response = world.raw.post(world.path("/_control/checkout/sessions/{session}/pay"), json=body)

    assert response.status_code == 200, response.text[:300]
    assert (response.json()["status"], response.json()["field"]) == ("invalid", field)


def assert_refused(
    world: World, method: str, path: str, body: bytes, status: int, reason: str
) -> None:
    before = world.state()

    response = world.raw.request(method, path, content=body)

    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    message = response.json()["error"]["message"]
    assert reason in message, message
    assert len(message) < 500  # a reason, not the input echoed back
    assert world.state() == before


def raw_numbers(body: dict[str, Any]) -> bytes:
    """``body`` as JSON, with digit strings written as bare numbers (JSON's, not Python's)."""
    text = json.dumps(body)
    for number in (PAST_A_FLOAT, "-" + PAST_A_FLOAT, str(2**64)):
        text = text.replace(f'"{number}"', number)
    return text.encode()
