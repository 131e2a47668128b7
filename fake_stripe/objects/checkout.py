"""Checkout Sessions and their line items."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fake_stripe.objects.catalog import Price

DELAYED_METHODS = ("bacs_debit", "sepa_debit")
PAYMENT_METHOD_TYPES = ("card", *DELAYED_METHODS)


@dataclass
class LineItem:
    id: str
    price: Price
    quantity: int
    description: str

    @property
    def amount(self) -> int:
        return self.price.unit_amount * self.quantity

    def to_stripe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "item",
            "adjustable_quantity": None,
            "amount_discount": 0,
            "amount_subtotal": self.amount,
            "amount_tax": 0,
            "amount_total": self.amount,
            "currency": self.price.currency,
            "description": self.description,
            "discounts": [],
            "metadata": {},
            "price": self.price.to_stripe(),
            "quantity": self.quantity,
            "taxes": [],
        }


@dataclass
class CustomerDetails:
    email: str | None
    name: str | None

    def to_stripe(self) -> dict[str, Any]:
        return {
            "address": None,
            "business_name": None,
            "email": self.email,
            "individual_name": None,
            "name": self.name,
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        }


@dataclass
class CheckoutSession:
    id: str
    created: int
    expires_at: int
    currency: str
    line_items: list[LineItem]
    success_url: str | None
    cancel_url: str | None
    url: str
    payment_method_types: list[str]
    client_reference_id: str | None = None
    customer_email: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    payment_intent_metadata: dict[str, str] = field(default_factory=dict)
    payment_intent_description: str | None = None
    mode: str = "payment"
    status: str = "open"  # open | complete | expired
    payment_status: str = "unpaid"  # unpaid | paid
    payment_intent: str | None = None
    customer_details: CustomerDetails | None = None
    # a card payment waiting for the customer's 3-D Secure answer (not part of Stripe's JSON)
    awaiting_authentication: Any = None

    @property
    def amount_total(self) -> int:
        return sum(item.amount for item in self.line_items)

    def to_stripe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "checkout.session",
            "adaptive_pricing": {"enabled": False},
            "after_expiration": None,
            "allow_promotion_codes": None,
            "allowed_payment_method_types": None,
            "amount_subtotal": self.amount_total,
            "amount_total": self.amount_total,
            "automatic_tax": {
                "enabled": False,
                "liability": None,
                "provider": None,
                "status": None,
            },
            "billing_address_collection": None,
            "branding_settings": None,
            "cancel_url": self.cancel_url,
            "client_reference_id": self.client_reference_id,
            "client_secret": None,
            "collected_information": None,
            "consent": None,
            "consent_collection": None,
            "created": self.created,
            "currency": self.currency,
            "currency_conversion": None,
            "custom_fields": [],
            "custom_text": {
                "after_submit": None,
                "shipping_address": None,
                "submit": None,
                "terms_of_service_acceptance": None,
            },
            "customer": None,
            "customer_account": None,
            "customer_creation": "if_required",
            "customer_details": self.customer_details.to_stripe()
            if self.customer_details
            else None,
            "customer_email": self.customer_email,
            "discounts": [],
            "excluded_payment_method_types": None,
            "expires_at": self.expires_at,
            "integration_identifier": None,
            "invoice": None,
            "invoice_creation": {
                "enabled": False,
                "invoice_data": {
                    "account_tax_ids": None,
                    "custom_fields": None,
                    "description": None,
                    "footer": None,
                    "issuer": None,
                    "metadata": {},
                    "rendering_options": None,
                },
            },
            "livemode": False,
            "locale": None,
            "managed_payments": None,
            "metadata": dict(self.metadata),
            "mode": self.mode,
            "name_collection": None,
            "optional_items": None,
            "origin_context": None,
            "payment_intent": self.payment_intent,
            "payment_link": None,
            "payment_method_collection": "if_required",
            "payment_method_configuration_details": None,
            "payment_method_options": {},
            "payment_method_types": list(self.payment_method_types),
            "payment_status": self.payment_status,
            "permissions": None,
            "phone_number_collection": {"enabled": False},
            "presentment_details": None,
            "recovered_from": None,
            "redirect_on_completion": None,
            "return_url": None,
            "saved_payment_method_options": None,
            "setup_intent": None,
            "shipping_address_collection": None,
            "shipping_cost": None,
            "shipping_options": [],
            "status": self.status,
            "submit_type": None,
            "subscription": None,
            "success_url": self.success_url,
            "tax_id_collection": {"enabled": False, "required": "never"},
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted_page",
            "url": self.url if self.status == "open" else None,
            "wallet_options": None,
        }
