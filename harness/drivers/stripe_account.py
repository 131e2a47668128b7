"""The Stripe account the app shares with other systems. A Checkout Session created outside
the app (a payment link, another service, a script) names none of the app's organisations:
its webhook still reaches the app, which must fail it visibly and keep it, not lose it. One that
names an organisation (another service topping up its wallet) is that organisation's top-up,
though the app never recorded it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import stripe

if TYPE_CHECKING:
    from stripe.params.checkout._session_create_params import SessionCreateParams


class StripeAccount:
    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    def create_session_elsewhere(self, amount_pence: int, org_id: str | None = None) -> str:
        """A paid-for-nothing-yet session, naming ``org_id`` as its ``client_reference_id``
        (another service of the same business) or no organisation; returns its id."""
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "gbp",
                        "unit_amount": amount_pence,
                        "product_data": {"name": "Something sold elsewhere"},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": "http://127.0.0.1:9/elsewhere/thanks",
            "cancel_url": "http://127.0.0.1:9/elsewhere/cancelled",
        }
        if org_id:
            params["client_reference_id"] = org_id
        return str(self.client.v1.checkout.sessions.create(params=params).id)
