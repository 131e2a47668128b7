"""The hosted Checkout page in a real Chromium: what a person sees, and what paying does.

The success and cancel URLs point at the webhook receiver's host, which answers any page with a
404: the browser lands there for real, so ``page.url`` is where the redirect went.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
import stripe
from playwright.sync_api import Page, expect

from fake_stripe.client import FakeStripeControl
from fake_stripe.server import FakeStripeServer
from tests.fake_stripe.conftest import new_session
from tests.fake_stripe.receiver import Receiver

PAY = re.compile(r"^Pay\b")
MERCHANT = "Wallet Demo Ltd"
EMAIL = "jenny.rosen@example.com"
PAYMENT_EVENTS = ("checkout.session.", "payment_intent.", "charge.")


@dataclass(frozen=True)
class Shop:
    """The merchant's side of a checkout: where the customer comes back to."""

    base_url: str

    @property
    def success_url(self) -> str:
        return f"{self.base_url}/wallet/topup/success?session_id={{CHECKOUT_SESSION_ID}}"

    @property
    def cancel_url(self) -> str:
        return f"{self.base_url}/wallet?cancelled=1"

    def landing_url(self, session_id: str) -> str:
        return self.success_url.replace("{CHECKOUT_SESSION_ID}", session_id)


@pytest.fixture
def shop(receiver: Receiver, endpoint: stripe.WebhookEndpoint) -> Shop:
    return Shop(receiver.url.removesuffix("/webhooks/stripe"))


def open_checkout(
    page: Page, client: stripe.StripeClient, shop: Shop, **extra: object
) -> stripe.checkout.Session:
    session = new_session(client, success_url=shop.success_url, cancel_url=shop.cancel_url, **extra)
    assert session.url is not None
    page.goto(session.url)
    return session


def pay_by_card(
    page: Page,
    number: str,
    *,
    expiry: str = "12 / 34",
    cvc: str = "123",
    email: str = EMAIL,
) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiration").fill(expiry)
    page.get_by_label("CVC").fill(cvc)
    page.get_by_label("Cardholder name").fill("Jenny Rosen")
    page.get_by_role("button", name=PAY).click()


def pay_by_bank_debit(page: Page, account_number: str) -> None:
    page.get_by_label("Bank debit").check()
    expect(page.get_by_label("Card number")).to_be_hidden()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Account number").fill(account_number)
    page.get_by_label("Account holder name").fill("Jenny Rosen")
    page.get_by_role("button", name=PAY).click()


def status_of(client: stripe.StripeClient, session_id: str) -> tuple[str | None, str]:
    session = client.v1.checkout.sessions.retrieve(session_id)
    return session.status, session.payment_status


def payment_events(client: stripe.StripeClient) -> list[str]:
    """The types of the events about paying (sessions, PaymentIntents, Charges), oldest first."""
    events = reversed(client.v1.events.list(params={"limit": 100}).data)
    return [event.type for event in events if event.type.startswith(PAYMENT_EVENTS)]


def expect_error(page: Page, message: str) -> None:
    expect(page.get_by_test_id("checkout-error")).to_have_text(message)
    expect(page.get_by_role("alert")).to_have_text(message)


# -- what a person sees -------------------------------------------------------------------------


def test_the_page_shows_the_merchant_the_amount_and_a_labelled_form(
    page: Page, stripe_client: stripe.StripeClient, shop: Shop
) -> None:
    open_checkout(page, stripe_client, shop)

    expect(page).to_have_title(f"Pay {MERCHANT}")
    expect(page.get_by_role("heading", level=1)).to_have_text(MERCHANT)
    expect(page.get_by_test_id("merchant-name")).to_have_text(MERCHANT)
    expect(page.get_by_test_id("checkout-amount")).to_have_text("£50.00")
    expect(page.get_by_test_id("line-items").get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_test_id("line-items")).to_contain_text("Wallet top-up")
    for label in ("Email", "Card number", "Expiration", "CVC", "Cardholder name"):
        expect(page.get_by_label(label, exact=True)).to_be_editable()
    expect(page.get_by_role("button", name=PAY)).to_have_text("Pay £50.00")
    cancel = page.get_by_role("link", name=f"Cancel and return to {MERCHANT}")
    expect(cancel).to_have_attribute("href", shop.cancel_url)
    expect(page.get_by_label("Bank debit")).to_have_count(0)  # the session offers cards only
    expect(page.get_by_test_id("checkout-error")).to_have_count(0)


@pytest.mark.parametrize(
    ("method_types", "shows_card", "shows_debit"),
    [
        (["card", "bacs_debit"], True, True),
        (["bacs_debit"], False, True),
    ],
)
def test_the_form_offers_the_methods_the_session_allows(
    page: Page,
    stripe_client: stripe.StripeClient,
    shop: Shop,
    method_types: list[str],
    shows_card: bool,
    shows_debit: bool,
) -> None:
    open_checkout(page, stripe_client, shop, payment_method_types=method_types)

    expect(page.get_by_label("Card number")).to_have_count(1 if shows_card else 0)
    expect(page.get_by_label("Account number")).to_have_count(1 if shows_debit else 0)
    if shows_card and shows_debit:
        expect(page.get_by_label("Card", exact=True)).to_be_checked()
        expect(page.get_by_label("Account number")).to_be_hidden()
    expect(page.get_by_role("button", name=PAY)).to_be_visible()


def test_an_unknown_session_is_a_404_page(page: Page, fake_server: FakeStripeServer) -> None:
    response = page.goto(f"{fake_server.base_url}/c/pay/cs_test_no_such_session")

    assert response is not None
    assert response.status == 404
    expect(page.get_by_test_id("checkout-status")).to_have_text("Checkout not found")
    expect(page.get_by_role("button", name=PAY)).to_have_count(0)


# -- paying by card ---------------------------------------------------------------------------


def test_a_good_card_pays_and_the_redirect_waits_for_the_completed_webhook(
    page: Page, stripe_client: stripe.StripeClient, shop: Shop, receiver: Receiver
) -> None:
    session = open_checkout(page, stripe_client, shop)

    pay_by_card(page, "4242 4242 4242 4242")

    expect(page).to_have_url(shop.landing_url(session.id))
    # answered before the 303 left the fake: no polling, it is already here
    [completed] = receiver.of_type("checkout.session.completed")
    assert completed.verified
    assert completed.object_id == session.id
    assert status_of(stripe_client, session.id) == ("complete", "paid")
    paid = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert paid.customer_details is not None
    assert paid.customer_details.email == EMAIL
    intent = stripe_client.v1.payment_intents.retrieve(str(paid.payment_intent))
    assert intent.status == "succeeded"
    charge = stripe_client.v1.charges.retrieve(str(intent.latest_charge))
    assert (charge.status, charge.amount) == ("succeeded", 5000)
    assert payment_events(stripe_client) == [
        "payment_intent.created",
        "payment_intent.succeeded",
        "charge.succeeded",
        "checkout.session.completed",
    ]


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ("4000 0000 0000 0002", "Your card was declined."),
        ("4000 0000 0000 9995", "Your card has insufficient funds."),
    ],
    ids=["generic_decline", "insufficient_funds"],
)
def test_a_declined_card_shows_why_and_another_card_can_pay(
    page: Page,
    stripe_client: stripe.StripeClient,
    shop: Shop,
    receiver: Receiver,
    card: str,
    message: str,
) -> None:
    session = open_checkout(page, stripe_client, shop)

    pay_by_card(page, card)

    expect_error(page, message)
    expect(page.get_by_label("Email")).to_have_value(EMAIL)  # kept
    expect(page.get_by_label("Cardholder name")).to_have_value("Jenny Rosen")  # kept
    expect(page.get_by_label("Card number")).to_have_value("")  # never echoed back
    assert status_of(stripe_client, session.id) == ("open", "unpaid")
    assert receiver.of_type("checkout.session.completed") == []

    pay_by_card(page, "4242424242424242")

    expect(page).to_have_url(shop.landing_url(session.id))
    assert status_of(stripe_client, session.id) == ("complete", "paid")
    [intent] = stripe_client.v1.payment_intents.list().data  # the declined attempt's, reused
    assert intent.status == "succeeded"
    assert payment_events(stripe_client).count("charge.failed") == 1
    assert payment_events(stripe_client).count("charge.succeeded") == 1


@pytest.mark.parametrize(
    ("card", "expiry", "cvc", "email", "label", "message"),
    [
        ("4242 4242 4242 4241", "12 / 34", "123", EMAIL, "Card number",
         "Your card number is invalid."),
        ("4242 4242 4242 4242", "01 / 20", "123", EMAIL, "Expiration",
         "Your card's expiration date is in the past."),
        ("4242 4242 4242 4242", "12 / 34", "", EMAIL, "CVC",
         "Your card's security code is incomplete."),
        ("4242 4242 4242 4242", "12 / 34", "123", "", "Email",
         "Your email address is incomplete."),
    ],
    ids=["luhn", "past_expiry", "missing_cvc", "missing_email"],
)  # fmt: skip
def test_invalid_input_is_an_inline_error_and_no_payment_is_attempted(
    page: Page,
    stripe_client: stripe.StripeClient,
    shop: Shop,
    card: str,
    expiry: str,
    cvc: str,
    email: str,
    label: str,
    message: str,
) -> None:
    session = open_checkout(page, stripe_client, shop)

    pay_by_card(page, card, expiry=expiry, cvc=cvc, email=email)

    expect_error(page, message)
    expect(page.get_by_label(label, exact=True)).to_have_attribute("aria-invalid", "true")
    assert stripe_client.v1.payment_intents.list().data == []
    assert payment_events(stripe_client) == []
    assert status_of(stripe_client, session.id) == ("open", "unpaid")


def test_3d_secure_completed_pays(
    page: Page, stripe_client: stripe.StripeClient, shop: Shop, receiver: Receiver
) -> None:
    session = open_checkout(page, stripe_client, shop)

    pay_by_card(page, "4000 0027 6000 3184")
    expect(page.get_by_role("heading", name="Authenticate your payment")).to_be_visible()
    expect(page.get_by_test_id("checkout-amount")).to_have_text("£50.00")
    assert status_of(stripe_client, session.id) == ("open", "unpaid")
    page.get_by_role("button", name="Complete authentication").click()

    expect(page).to_have_url(shop.landing_url(session.id))
    [completed] = receiver.of_type("checkout.session.completed")
    assert completed.verified
    assert status_of(stripe_client, session.id) == ("complete", "paid")


def test_3d_secure_failed_shows_an_error_and_leaves_the_session_open(
    page: Page, stripe_client: stripe.StripeClient, shop: Shop
) -> None:
    session = open_checkout(page, stripe_client, shop)

    pay_by_card(page, "4000 0027 6000 3184")
    page.get_by_role("button", name="Fail authentication").click()

    expect_error(
        page,
        "We are unable to authenticate your payment method. Please choose a different payment"
        " method and try again.",
    )
    expect(page.get_by_label("Email")).to_have_value(EMAIL)
    assert status_of(stripe_client, session.id) == ("open", "unpaid")
    [intent] = stripe_client.v1.payment_intents.list().data
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error is not None
    assert intent.last_payment_error.code == "payment_intent_authentication_failure"
    events = payment_events(stripe_client)
    assert "checkout.session.completed" not in events
    assert "charge.failed" not in events  # the bank never saw a charge


def test_a_challenge_from_an_earlier_attempt_cannot_pay_after_a_later_decline(
    page: Page, stripe_client: stripe.StripeClient, shop: Shop
) -> None:
    session = open_checkout(page, stripe_client, shop)
    pay_by_card(page, "4000 0027 6000 3184")
    expect(page.get_by_role("button", name="Complete authentication")).to_be_visible()
    challenge_url = page.url
    assert session.url is not None
    page.goto(session.url)  # the customer tries another card instead, which is declined
    pay_by_card(page, "4000 0000 0000 0002")
    expect_error(page, "Your card was declined.")

    # the first challenge, still open in another tab, is completed
    page.request.post(challenge_url, form={"result": "complete"}, max_redirects=0)

    assert status_of(stripe_client, session.id) == ("open", "unpaid")


# -- paying by bank debit (a delayed method) --------------------------------------------------


@pytest.mark.parametrize(
    ("account_number", "settled_event", "payment_status", "page_says"),
    [
        ("00012345", "checkout.session.async_payment_succeeded", "paid", "Already paid"),
        ("90012345", "checkout.session.async_payment_failed", "unpaid", "Payment failed"),
    ],
    ids=["settles", "fails"],
)
def test_a_bank_debit_completes_unpaid_and_settles_on_the_clock(
    page: Page,
    stripe_client: stripe.StripeClient,
    shop: Shop,
    receiver: Receiver,
    control: FakeStripeControl,
    fake_server: FakeStripeServer,
    account_number: str,
    settled_event: str,
    payment_status: str,
    page_says: str,
) -> None:
    session = open_checkout(page, stripe_client, shop, payment_method_types=["card", "bacs_debit"])

    pay_by_bank_debit(page, account_number)

    expect(page).to_have_url(shop.landing_url(session.id))
    [completed] = receiver.of_type("checkout.session.completed")
    assert completed.verified
    assert json.loads(completed.body)["data"]["object"]["payment_status"] == "unpaid"
    assert status_of(stripe_client, session.id) == ("complete", "unpaid")
    assert receiver.of_type(settled_event) == []
    page.go_back()
    expect(page.get_by_test_id("checkout-status")).to_have_text("Payment processing")

    control.advance(seconds=fake_server.settings.settle_after + 1)

    [settled] = receiver.of_type(settled_event)
    assert settled.verified
    assert settled.object_id == session.id
    assert status_of(stripe_client, session.id) == ("complete", payment_status)
    page.reload()
    expect(page.get_by_test_id("checkout-status")).to_have_text(page_says)
    expect(page.get_by_role("button", name=PAY)).to_have_count(0)


# -- leaving, expiring, paying twice ----------------------------------------------------------


def test_the_cancel_link_returns_to_the_merchant_and_leaves_the_session_open(
    page: Page, stripe_client: stripe.StripeClient, shop: Shop
) -> None:
    session = open_checkout(page, stripe_client, shop)

    page.get_by_role("link", name=f"Cancel and return to {MERCHANT}").click()

    expect(page).to_have_url(shop.cancel_url)
    assert status_of(stripe_client, session.id) == ("open", "unpaid")


def test_an_expired_session_shows_an_expired_page_and_cannot_be_paid(
    page: Page, stripe_client: stripe.StripeClient, shop: Shop, control: FakeStripeControl
) -> None:
    session = open_checkout(page, stripe_client, shop)
    page.get_by_label("Email").fill(EMAIL)  # the customer was half-way through the form

    control.expire(session.id)
    pay_by_card(page, "4242 4242 4242 4242")

    expect(page.get_by_test_id("checkout-status")).to_have_text("This checkout has expired")
    assert session.url is not None
    page.goto(session.url)
    expect(page.get_by_test_id("checkout-status")).to_have_text("This checkout has expired")
    expect(page.get_by_role("button", name=PAY)).to_have_count(0)
    expect(page.get_by_role("link", name=f"Return to {MERCHANT}")).to_have_attribute(
        "href", shop.cancel_url
    )
    assert stripe_client.v1.payment_intents.list().data == []


def test_a_paid_session_cannot_be_paid_again(
    page: Page, stripe_client: stripe.StripeClient, shop: Shop, receiver: Receiver
) -> None:
    session = open_checkout(page, stripe_client, shop)
    pay_by_card(page, "4242 4242 4242 4242")
    expect(page).to_have_url(shop.landing_url(session.id))
    assert session.url is not None

    page.go_back()  # the form again, if the browser showed it from its cache
    expect(page.get_by_test_id("checkout-status")).to_have_text("Already paid")
    expect(page.get_by_role("button", name=PAY)).to_have_count(0)
    page.reload()
    expect(page.get_by_test_id("checkout-status")).to_have_text("Already paid")
    again = page.request.post(
        session.url,
        form={
            "email": EMAIL,
            "payment_method": "card",
            "card_number": "4242424242424242",
            "card_expiry": "12/34",
            "card_cvc": "123",
        },
    )

    assert again.status == 409
    assert "Already paid" in again.text()
    [_intent] = stripe_client.v1.payment_intents.list().data
    types = payment_events(stripe_client)
    assert types.count("charge.succeeded") == 1
    assert types.count("checkout.session.completed") == 1
    expect(page.get_by_role("link", name=f"Return to {MERCHANT}")).to_have_attribute(
        "href", shop.landing_url(session.id)
    )
