"""Finding objects by id across the account, and how each expandable field is resolved."""

from __future__ import annotations

from typing import Any

from fake_stripe.objects.expansion import Table
from fake_stripe.objects.payments import Charge, PaymentIntent
from fake_stripe.protocol.errors import ResourceMissing
from fake_stripe.resources import catalog, checkout
from fake_stripe.resources.account import Account


def expansion_table(account: Account) -> Table:
    def intent(intent_id: str) -> dict[str, Any]:
        return get_payment_intent(account, intent_id).to_stripe()

    def charge(charge_id: str) -> Charge:
        return get_charge(account, charge_id)

    return {
        "checkout.session": {
            "line_items": lambda node: checkout.line_items_page(
                checkout.get_session(account, node["id"])
            ),
            "payment_intent": lambda node: intent(node["payment_intent"]),
        },
        "payment_intent": {
            "latest_charge": lambda node: charge(node["latest_charge"]).to_stripe(),
        },
        "charge": {
            "payment_intent": lambda node: intent(node["payment_intent"]),
            "refunds": lambda node: charge(node["id"]).refunds(),
        },
        "price": {
            "product": lambda node: catalog.get_product(account, node["product"]).to_stripe(),
        },
        "product": {
            "default_price": lambda node: catalog.get_price(
                account, node["default_price"]
            ).to_stripe(),
        },
    }


def get_payment_intent(account: Account, intent_id: str) -> PaymentIntent:
    intent = account.payment_intents.get(intent_id)
    if intent is None:
        raise ResourceMissing("payment_intent", intent_id, param="intent")
    return intent


def get_charge(account: Account, charge_id: str) -> Charge:
    charge = account.charges.get(charge_id)
    if charge is None:
        raise ResourceMissing("charge", charge_id, param="charge")
    return charge
