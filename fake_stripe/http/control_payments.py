"""``/_control``'s payments: pay a Checkout Session through the hosted page's own code without a
browser, and expire one.

A field left out of ``pay`` takes what a customer would type (the ``DEFAULT_`` values), so a
card number alone pays, as it does from ``FakeStripeControl.pay``; a session's own
``customer_email`` comes before the default email, as the page fills it in. A field sent as null
or "" is one the customer left empty, and the page's own inline error follows. The call answers
200 whatever the payment did: the payment's outcome is the answer's ``status``.
"""

from __future__ import annotations

from typing import Any

from fake_stripe.http.control_pipeline import ControlCall, ControlError, flag, text
from fake_stripe.resources import checkout
from fake_stripe.resources.payments import (
    CardPayment,
    DebitPayment,
    PaymentOutcome,
    complete_authentication,
    pay_session,
)
from fake_stripe.service import FakeStripe

DEFAULT_CARD = "4242424242424242"
DEFAULT_EXPIRY = "12/34"
DEFAULT_CVC = "123"
DEFAULT_EMAIL = "customer@example.com"  # the control client's default too
DEFAULT_NAME = "Test Customer"
DEFAULT_ACCOUNT_NUMBER = "00012345"  # a bank debit that settles to succeeded


async def pay(call: ControlCall) -> Any:
    data = call.json()
    session_id = call.path["id"]
    method = text(data, "method") or "card"
    email, name = text(data, "email"), text(data, "name", DEFAULT_NAME)
    three_d_secure = text(data, "three_d_secure")
    if three_d_secure not in (None, "pass", "fail"):
        raise ControlError('three_d_secure must be "pass", "fail" or null')
    wait = flag(data, "wait_for_webhook", True)
    payment: CardPayment | DebitPayment
    if method == "card":
        payment = CardPayment(
            number=text(data, "card", DEFAULT_CARD) or "",
            expiry=text(data, "expiry", DEFAULT_EXPIRY) or "",
            cvc=text(data, "cvc", DEFAULT_CVC) or "",
            email=email if "email" in data else _default_email(call),
            name=name,
        )
    else:
        payment = DebitPayment(
            method=method,
            account_number=text(data, "account_number", DEFAULT_ACCOUNT_NUMBER) or "",
            email=email if "email" in data else _default_email(call),
            name=name,
        )
    fake = call.fake
    settle_after = fake.settings.settle_after
    outcome = pay_session(fake.account, session_id, payment, settle_after=settle_after)
    if outcome.status == "requires_action" and three_d_secure is not None:
        first_events = outcome.events
        outcome = complete_authentication(fake.account, session_id, passed=three_d_secure == "pass")
        outcome.events[:0] = first_events
    if wait:
        await wait_for_completed_webhook(fake, outcome)
    return outcome_json(outcome)


async def expire(call: ControlCall) -> Any:
    return checkout.expire_session(call.fake.account, call.path["id"]).to_stripe()


def _default_email(call: ControlCall) -> str:
    """The session's own email (404 when there is no such session), else the default."""
    session = checkout.get_session(call.fake.account, call.path["id"])
    return session.customer_email or DEFAULT_EMAIL


async def wait_for_completed_webhook(fake: FakeStripe, outcome: PaymentOutcome) -> None:
    """As hosted Checkout does before redirecting: wait (up to ``checkout_wait``) for the first
    attempt of ``checkout.session.completed`` to be answered."""
    completed = [e for e in outcome.events if e.type == "checkout.session.completed"]
    if completed:
        await fake.dispatcher.wait_first_answers(completed, fake.settings.checkout_wait)


def outcome_json(outcome: PaymentOutcome) -> dict[str, Any]:
    return {
        "status": outcome.status,
        "message": outcome.message,
        "field": outcome.invalid_field,
        "redirect_url": outcome.redirect_url,
        "session": outcome.session.to_stripe(),
        "events": [{"id": e.id, "type": e.type} for e in outcome.events],
    }
