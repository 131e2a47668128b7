"""``POST /_control/checkout/sessions/{id}/pay``: a field left out takes a default a customer
would type (card, expiry, CVC, email, name), so a card number alone pays; a field sent as null
or "" is one the customer left empty, and the page's own error follows. The call answers 200
whatever the payment did: its outcome is the answer's ``status``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
import stripe

from fake_stripe.client import FakeStripeControl
from fake_stripe.resources.payments import Status
from fake_stripe.server import FakeStripeServer
from tests.fake_stripe.conftest import new_session

# what docs/control-api.md promises a field left out becomes
DEFAULT_EMAIL = "customer@example.com"
DEFAULT_NAME = "Test Customer"


@pytest.fixture
def raw(fake_server: FakeStripeServer, control: FakeStripeControl) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake_server.base_url, timeout=30) as client:
        yield client


def pay(raw: httpx.Client, session_id: str, body: dict[str, Any]) -> dict[str, Any]:
    response = raw.post(f"/_control/checkout/sessions/{session_id}/pay", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_card_number_alone_pays_a_session_made_through_the_api(
    raw: httpx.Client, stripe_client: stripe.StripeClient
) -> None:
    session = new_session(stripe_client)

    answer = pay(raw, session.id, {"card": "4242 4242 4242 4242"})

    assert (answer["status"], answer["message"], answer["field"]) == ("succeeded", None, None)
    assert answer["session"]["customer_details"]["email"] == DEFAULT_EMAIL
    assert answer["session"]["customer_details"]["name"] == DEFAULT_NAME
    [intent] = stripe_client.v1.payment_intents.list().data
    assert intent.receipt_email == DEFAULT_EMAIL


def test_an_empty_body_pays_with_the_default_card(
    raw: httpx.Client, stripe_client: stripe.StripeClient
) -> None:
    assert pay(raw, new_session(stripe_client).id, {})["status"] == "succeeded"


def test_a_bank_debit_needs_no_more_than_its_method(
    raw: httpx.Client, stripe_client: stripe.StripeClient
) -> None:
    session = new_session(stripe_client, payment_method_types=["card", "bacs_debit"])

    answer = pay(raw, session.id, {"method": "bacs_debit"})

    details = answer["session"]["customer_details"]
    assert answer["status"] == "processing"
    assert (details["email"], details["name"]) == (DEFAULT_EMAIL, DEFAULT_NAME)


def test_the_session_s_own_email_wins_over_the_default(
    raw: httpx.Client, stripe_client: stripe.StripeClient
) -> None:
    session = new_session(stripe_client, customer_email="jenny.rosen@example.com")

    answer = pay(raw, session.id, {"card": "4242424242424242"})

    assert answer["status"] == "succeeded"
    assert answer["session"]["customer_details"]["email"] == "jenny.rosen@example.com"


@pytest.mark.parametrize("empty", [None, ""])
def test_an_email_sent_empty_is_the_page_s_inline_error(
    raw: httpx.Client, stripe_client: stripe.StripeClient, empty: str | None
) -> None:
    session = new_session(stripe_client)

    answer = pay(raw, session.id, {"card": "4242424242424242", "email": empty})

    assert (answer["status"], answer["field"]) == ("invalid", "email")
    assert answer["message"] == "Your email address is incomplete."
    assert answer["session"]["status"] == "open"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"card": "4000 0000 0000 0002"}, "declined", "number"),
        ({"card": "4000 0027 6000 3184"}, "requires_action", None),
        ({"card": "4000 0027 6000 3184", "three_d_secure": "fail"}, "declined", "number"),
        ({"card": "4242 4242 4242 4241"}, "invalid", "number"),
        ({"expiry": "01/20"}, "invalid", "expiry"),
        ({"cvc": None}, "invalid", "cvc"),
    ],
    ids=["declined", "3ds_pending", "3ds_failed", "luhn", "past_expiry", "no_cvc"],
)
def test_a_payment_that_does_not_go_through_is_still_a_200_with_its_status(
    raw: httpx.Client,
    stripe_client: stripe.StripeClient,
    body: dict[str, Any],
    status: str,
    field: str | None,
) -> None:
    answer = pay(raw, new_session(stripe_client).id, body)

    assert (answer["status"], answer["field"]) == (status, field)
    assert answer["redirect_url"] is None


def test_the_hosted_page_still_asks_a_person_for_an_email(
    fake_server: FakeStripeServer, control: FakeStripeControl, stripe_client: stripe.StripeClient
) -> None:
    session = new_session(stripe_client)
    assert session.url is not None
    form = {"payment_method": "card", "card_number": "4242 4242 4242 4242"}
    form |= {"card_expiry": "12 / 34", "card_cvc": "123", "email": ""}

    response = httpx.post(session.url, data=form)

    assert response.status_code == 400
    assert "Your email address is incomplete." in response.text
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_every_payment_status_is_documented_in_the_control_api_contract() -> None:
    contract = (Path(__file__).resolve().parents[3] / "docs" / "control-api.md").read_text()

    assert [status for status in get_args(Status) if f"| `{status}` |" not in contract] == []
