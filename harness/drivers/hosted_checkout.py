"""Paying a Checkout Session without a browser, for a top-up a script started through the API:
the fake's control API pays through the same code as its hosted page
(``FakeStripeControl.pay``), sends the webhooks, and waits for the completed one's first answer,
as the page does before it redirects."""

from __future__ import annotations

from fake_stripe.client import FakeStripeControl, PaymentResult


class PaymentNotTaken(AssertionError):
    """The payment the scenario meant to make did not go through; the message says why."""


class HostedCheckout:
    def __init__(self, control: FakeStripeControl) -> None:
        self.control = control

    def pay_by_card(self, session_id: str, card: str) -> PaymentResult:
        result = self.control.pay(session_id, card=card.replace(" ", ""))
        if result.status != "succeeded":
            raise PaymentNotTaken(
                f"paying {session_id} with card {card}: {result.status}"
                f" ({result.message or 'no message'})"
            )
        return result
