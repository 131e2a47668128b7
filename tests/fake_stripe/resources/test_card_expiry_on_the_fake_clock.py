"""Card expiry is judged on the fake clock, like every other date in the fake."""

from __future__ import annotations

import stripe

from fake_stripe.client import FakeStripeControl
from tests.fake_stripe.conftest import new_session


def test_a_card_valid_today_has_expired_ten_fake_years_later(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    today = new_session(stripe_client)
    assert control.pay(today.id, expiry="12/34", wait_for_webhook=False).status == "succeeded"

    control.advance(days=3650)
    later = new_session(stripe_client)
    result = control.pay(later.id, expiry="12/34", wait_for_webhook=False)

    assert (result.status, result.message) == (
        "invalid",
        "Your card's expiration date is in the past.",
    )
