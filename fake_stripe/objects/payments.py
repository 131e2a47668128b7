"""PaymentIntents and Charges, created when a Checkout Session is paid."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PaymentError:
    code: str
    message: str
    decline_code: str | None = None
    type: str = "card_error"
    payment_method_type: str = "card"  # bacs_debit / sepa_debit for a failed debit

    def to_stripe(self) -> dict[str, Any]:
        return {
            "advice_code": None,
            "charge": None,
            "code": self.code,
            "decline_code": self.decline_code,
            "doc_url": f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}",
            "message": self.message,
            "network_advice_code": None,
            "network_decline_code": None,
            "param": None,
            "payment_intent": None,
            "payment_method": None,  # Stripe embeds the PaymentMethod; the fake has none
            "payment_method_type": self.payment_method_type,
            "request_log_url": None,
            "setup_intent": None,
            "source": None,
            "type": self.type,
        }


@dataclass
class PaymentIntent:
    id: str
    created: int
    amount: int
    currency: str
    payment_method_types: list[str]
    payment_method: str | None
    status: str  # requires_payment_method | requires_action | processing | succeeded
    metadata: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    receipt_email: str | None = None
    latest_charge: str | None = None
    last_payment_error: PaymentError | None = None

    def to_stripe(self) -> dict[str, Any]:
        received = self.amount if self.status == "succeeded" else 0
        return {
            "id": self.id,
            "object": "payment_intent",
            "allowed_payment_method_types": None,
            "amount": self.amount,
            "amount_capturable": 0,
            "amount_details": {"tip": {}},
            "amount_received": received,
            "application": None,
            "application_fee_amount": None,
            "automatic_payment_methods": None,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": "automatic_async",
            "client_secret": f"{self.id}_secret_fake",
            "confirmation_method": "automatic",
            "created": self.created,
            "currency": self.currency,
            "customer": None,
            "customer_account": None,
            "description": self.description,
            "excluded_payment_method_types": None,
            "hooks": None,
            "last_payment_error": (
                self.last_payment_error.to_stripe() if self.last_payment_error else None
            ),
            "latest_charge": self.latest_charge,
            "livemode": False,
            "managed_payments": None,
            "metadata": dict(self.metadata),
            "next_action": None,
            "on_behalf_of": None,
            "payment_details": None,
            "payment_method": self.payment_method,
            "payment_method_configuration_details": None,
            "payment_method_options": {},
            "payment_method_types": list(self.payment_method_types),
            "payment_record": None,
            "presentment_details": None,
            "processing": None,
            "receipt_email": self.receipt_email,
            "review": None,
            "setup_future_usage": None,
            "shipping": None,
            "source": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": self.status,
            "transfer_data": None,
            "transfer_group": None,
        }


@dataclass
class Charge:
    id: str
    created: int
    amount: int
    currency: str
    payment_intent: str
    payment_method: str
    status: str  # succeeded | pending | failed
    method_type: str  # card | bacs_debit | sepa_debit
    card_last4: str | None = None
    billing_email: str | None = None
    billing_name: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    def to_stripe(self) -> dict[str, Any]:
        succeeded = self.status == "succeeded"
        return {
            "id": self.id,
            "object": "charge",
            "amount": self.amount,
            "amount_captured": self.amount if succeeded else 0,
            "amount_refunded": 0,
            "application": None,
            "application_fee": None,
            "application_fee_amount": None,
            "authorization_code": None,
            "balance_transaction": None,
            "billing_details": {
                "address": None,
                "email": self.billing_email,
                "name": self.billing_name,
                "phone": None,
                "tax_id": None,
            },
            "calculated_statement_descriptor": "FAKE STRIPE",
            "captured": succeeded,
            "created": self.created,
            "currency": self.currency,
            "customer": None,
            "description": None,
            "disputed": False,
            "failure_balance_transaction": None,
            "failure_code": self.failure_code,
            "failure_message": self.failure_message,
            "fraud_details": {},
            "level3": None,
            "livemode": False,
            "metadata": dict(self.metadata),
            "on_behalf_of": None,
            "outcome": {
                "advice_code": None,
                "network_advice_code": None,
                "network_decline_code": None,
                "network_status": "approved_by_network" if succeeded else "declined_by_network",
                "reason": None if succeeded else self.failure_code,
                "risk_level": "normal",
                "risk_score": 20,
                "seller_message": "Payment complete." if succeeded else "The bank declined.",
                "type": "authorized" if succeeded else "issuer_declined",
            },
            "paid": succeeded,
            "payment_intent": self.payment_intent,
            "payment_method": self.payment_method,
            "payment_method_details": self._method_details(),
            "presentment_details": None,
            "radar_options": None,
            "receipt_email": self.billing_email,
            "receipt_number": None,
            "receipt_url": None,
            "refunded": False,
            "review": None,
            "shipping": None,
            "source": None,
            "source_transfer": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": self.status,
            "transfer": None,
            "transfer_data": None,
            "transfer_group": None,
        }

    def refunds(self) -> dict[str, Any]:
        """Stripe lists a charge's refunds only when ``refunds`` is expanded; none here."""
        return {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/charges/{self.id}/refunds",
        }

    def _method_details(self) -> dict[str, Any]:
        if self.method_type == "card":
            return {"type": "card", "card": self._card_details()}
        details: dict[str, Any] = {
            "expected_debit_date": None,
            "fingerprint": f"fp_{self.payment_method[-16:]}",
            "last4": self.card_last4,
            "mandate": None,
        }
        if self.method_type == "bacs_debit":
            details["sort_code"] = "108800"
        elif self.method_type == "sepa_debit":
            details.update(bank_code="37040044", branch_code=None, country="DE")
        return {"type": self.method_type, self.method_type: details}

    def _card_details(self) -> dict[str, Any]:
        succeeded = self.status == "succeeded"
        return {
            "amount_authorized": self.amount if succeeded else None,
            "authorization_code": None,
            "brand": "visa",
            "capture_before": None,
            "checks": {
                "address_line1_check": None,
                "address_postal_code_check": None,
                "cvc_check": "pass",
            },
            "country": "US",
            "description": None,
            "electronic_commerce_indicator": None,
            "exp_month": 12,
            "exp_year": 2034,
            "extended_authorization": {"status": "disabled"},
            "fingerprint": f"fp_{self.payment_method[-16:]}",
            "funding": "credit",
            "iin": None,
            "incremental_authorization": {"status": "unavailable"},
            "installments": None,
            "issuer": None,
            "last4": self.card_last4,
            "mandate": None,
            "moto": None,
            "multicapture": {"status": "unavailable"},
            "network": "visa",
            "network_token": {"used": False},
            "network_transaction_id": None,
            "overcapture": {"maximum_amount_capturable": self.amount, "status": "unavailable"},
            "regulated_status": "unregulated",
            "setup_credential_usage": None,
            "stored_credential_usage": None,
            "three_d_secure": None,
            "transaction_link_id": None,
            "wallet": None,
        }
