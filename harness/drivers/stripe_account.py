"""The Stripe account the app shares with other systems. A Checkout Session created outside
the app (a payment link, another service, a script) names none of the app's organisations:
its webhook still reaches the app, which must fail it visibly and keep it, not lose it."""

from __future__ import annotations

import stripe


class StripeAccount:
    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    def create_session_elsewhere(self, amount_pence: int) -> str:
        """A paid-for-nothing-yet session with no ``client_reference_id``; returns its id."""
        session = self.client.v1.checkout.sessions.create(
            params={
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
        )
        return str(session.id)
