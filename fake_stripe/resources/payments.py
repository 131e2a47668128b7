"""Paying a Checkout Session: cards (with declines and 3-D Secure) and delayed bank debits.

The hosted page and the control API both call ``pay_session``, so a scripted payment goes
through exactly the code a person's does. Paying a session twice is impossible: only an
``open`` session takes a payment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from fake_stripe.objects.checkout import DELAYED_METHODS, CheckoutSession, CustomerDetails
from fake_stripe.objects.events import Event
from fake_stripe.objects.payments import Charge, PaymentError, PaymentIntent
from fake_stripe.protocol.errors import StateConflict
from fake_stripe.resources.account import Account
from fake_stripe.resources.cards import (
    AUTHENTICATION_FAILED,
    DEBIT_FAILED,
    Card,
    CardBehaviour,
    Decline,
    InvalidCard,
    parse_card,
    parse_debit_account,
)
from fake_stripe.resources.checkout import get_session

Status = Literal["succeeded", "processing", "requires_action", "declined", "invalid"]
DEFAULT_SETTLE_AFTER = 180.0  # Stripe's Bacs test accounts settle after about three minutes


@dataclass(frozen=True)
class CardPayment:
    number: str
    expiry: str
    cvc: str
    email: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class DebitPayment:
    method: str  # bacs_debit | sepa_debit
    account_number: str
    email: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class PaymentOutcome:
    status: Status
    session: CheckoutSession
    message: str | None = None  # what the page shows inline when declined or invalid
    invalid_field: str | None = None  # which input was invalid
    events: list[Event] = field(default_factory=list)

    @property
    def redirect_url(self) -> str | None:
        if self.status not in ("succeeded", "processing") or not self.session.success_url:
            return None
        return self.session.success_url.replace("{CHECKOUT_SESSION_ID}", self.session.id)


@dataclass
class _Pending3DS:
    card: Card
    email: str | None
    name: str | None


def pay_session(
    account: Account,
    session_id: str,
    payment: CardPayment | DebitPayment,
    *,
    settle_after: float = DEFAULT_SETTLE_AFTER,
) -> PaymentOutcome:
    session = _open_session(account, session_id)
    session.awaiting_authentication = None  # a new attempt replaces any open 3-D Secure challenge
    email = payment.email or session.customer_email
    if not email or "@" not in email:
        return PaymentOutcome("invalid", session, "Your email address is incomplete.", "email")
    try:
        if isinstance(payment, DebitPayment):
            if (
                payment.method not in session.payment_method_types
                or payment.method not in DELAYED_METHODS
            ):
                raise InvalidCard("method", f"{payment.method} is not offered by this session.")
            will_succeed = parse_debit_account(payment.account_number)
        else:
            if "card" not in session.payment_method_types:
                raise InvalidCard("method", "Cards are not offered by this session.")
            today = datetime.fromtimestamp(account.clock.now(), UTC)  # expiry on the fake clock
            card = parse_card(payment.number, payment.expiry, payment.cvc, today=today)
    except InvalidCard as invalid:
        return PaymentOutcome("invalid", session, invalid.message, invalid.field)
    events: list[Event] = []
    if isinstance(payment, DebitPayment):
        return _start_debit(account, session, payment, email, will_succeed, settle_after, events)
    behaviour, decline = card.behaviour()
    intent = _intent_for(account, session, email, events)
    if behaviour is CardBehaviour.REQUIRES_3DS:
        intent.status = "requires_action"
        session.awaiting_authentication = _Pending3DS(card, email, payment.name)
        return PaymentOutcome("requires_action", session, events=events)
    if behaviour is CardBehaviour.DECLINED:
        assert decline is not None
        return _decline(account, session, intent, card.last4, email, payment.name, decline, events)
    return _succeed(account, session, intent, "card", card.last4, email, payment.name, events)


def complete_authentication(account: Account, session_id: str, *, passed: bool) -> PaymentOutcome:
    """The customer's answer on the 3-D Secure challenge page."""
    session = _open_session(account, session_id)
    pending = session.awaiting_authentication
    if not isinstance(pending, _Pending3DS) or session.payment_intent is None:
        raise StateConflict("This Checkout Session is not waiting for authentication.")
    session.awaiting_authentication = None
    intent = account.payment_intents[session.payment_intent]
    events: list[Event] = []
    last4 = pending.card.last4
    if not passed:
        return _decline(
            account,
            session,
            intent,
            last4,
            pending.email,
            pending.name,
            AUTHENTICATION_FAILED,
            events,
        )
    return _succeed(account, session, intent, "card", last4, pending.email, pending.name, events)


def settle_debit(account: Account, session_id: str, intent_id: str, *, succeeded: bool) -> None:
    """The clock reached the debit's settlement: succeed or fail, as the account number said.
    (The session by its id: a search of every session for its intent made each settlement cost
    as much as the account held: 4% of the fake's CPU in a simulation's clock run.)"""
    intent = account.payment_intents.get(intent_id)
    if intent is None or intent.status != "processing":
        return
    session = account.sessions.get(session_id)
    charge = account.charges.get(intent.latest_charge or "")
    if session is None or charge is None:
        return  # the account was reset since the debit started
    if succeeded:
        intent.status = "succeeded"
        charge.status = "succeeded"
        session.payment_status = "paid"
        account.emit("payment_intent.succeeded", intent.to_stripe())
        account.emit("charge.succeeded", charge.to_stripe())
        account.emit("checkout.session.async_payment_succeeded", session.to_stripe())
    else:
        intent.status = "requires_payment_method"
        intent.last_payment_error = _error(
            DEBIT_FAILED, "invalid_request_error", charge.method_type
        )
        charge.status = "failed"
        charge.failure_code = DEBIT_FAILED.decline_code
        charge.failure_message = DEBIT_FAILED.message
        account.emit("payment_intent.payment_failed", intent.to_stripe())
        account.emit("charge.failed", charge.to_stripe())
        account.emit("checkout.session.async_payment_failed", session.to_stripe())


def _open_session(account: Account, session_id: str) -> CheckoutSession:
    session = get_session(account, session_id)
    if session.status != "open":
        raise StateConflict(
            f"This Checkout Session is no longer active (status: {session.status}).",
            param="session",
            code="checkout_session_not_open",
        )
    return session


def _intent_for(
    account: Account, session: CheckoutSession, email: str, events: list[Event]
) -> PaymentIntent:
    """One PaymentIntent per session, created at the first attempt and reused after a decline.

    As on Stripe, it carries ``payment_intent_data[metadata]``, never the session's metadata."""
    if session.payment_intent is not None:
        intent = account.payment_intents[session.payment_intent]
        intent.last_payment_error = None
        return intent
    intent = PaymentIntent(
        id=account.ids.new("payment_intent"),
        created=account.now(),
        amount=session.amount_total,
        currency=session.currency,
        payment_method_types=list(session.payment_method_types),  # as Checkout creates it
        payment_method=None,
        status="requires_payment_method",
        metadata=dict(session.payment_intent_metadata),
        description=session.payment_intent_description,
        receipt_email=email,
    )
    account.payment_intents[intent.id] = intent
    session.payment_intent = intent.id
    events.append(account.emit("payment_intent.created", intent.to_stripe()))
    return intent


def _new_charge(
    account: Account,
    intent: PaymentIntent,
    method: str,
    last4: str,
    email: str | None,
    name: str | None,
    status: str,
) -> Charge:
    payment_method = account.ids.new("payment_method")
    intent.payment_method = payment_method
    charge = Charge(
        id=account.ids.new("charge"),
        created=account.now(),
        amount=intent.amount,
        currency=intent.currency,
        payment_intent=intent.id,
        payment_method=payment_method,
        status=status,
        method_type=method,
        card_last4=last4,
        billing_email=email,
        billing_name=name,
        metadata=dict(intent.metadata),
    )
    account.charges[charge.id] = charge
    intent.latest_charge = charge.id
    return charge


def _succeed(
    account: Account,
    session: CheckoutSession,
    intent: PaymentIntent,
    method: str,
    last4: str,
    email: str | None,
    name: str | None,
    events: list[Event],
) -> PaymentOutcome:
    charge = _new_charge(account, intent, method, last4, email, name, "succeeded")
    intent.status = "succeeded"
    session.status = "complete"
    session.payment_status = "paid"
    session.customer_details = CustomerDetails(email, name)
    events.append(account.emit("payment_intent.succeeded", intent.to_stripe()))
    events.append(account.emit("charge.succeeded", charge.to_stripe()))
    events.append(account.emit("checkout.session.completed", session.to_stripe()))
    return PaymentOutcome("succeeded", session, events=events)


def _decline(
    account: Account,
    session: CheckoutSession,
    intent: PaymentIntent,
    last4: str,
    email: str | None,
    name: str | None,
    decline: Decline,
    events: list[Event],
) -> PaymentOutcome:
    intent.status = "requires_payment_method"
    if decline is AUTHENTICATION_FAILED:
        # the bank never saw a charge: Stripe records no Charge for a failed 3-D Secure check
        intent.last_payment_error = _error(decline, "invalid_request_error")
        events.append(account.emit("payment_intent.payment_failed", intent.to_stripe()))
        return PaymentOutcome("declined", session, decline.message, "number", events=events)
    charge = _new_charge(account, intent, "card", last4, email, name, "failed")
    charge.failure_code = decline.decline_code or decline.code
    charge.failure_message = decline.message
    intent.last_payment_error = _error(decline, "card_error")
    events.append(account.emit("payment_intent.payment_failed", intent.to_stripe()))
    events.append(account.emit("charge.failed", charge.to_stripe()))
    return PaymentOutcome("declined", session, decline.message, "number", events=events)


def _start_debit(
    account: Account,
    session: CheckoutSession,
    payment: DebitPayment,
    email: str,
    will_succeed: bool,
    settle_after: float,
    events: list[Event],
) -> PaymentOutcome:
    intent = _intent_for(account, session, email, events)
    charge = _new_charge(
        account, intent, payment.method, payment.account_number[-4:], email, payment.name, "pending"
    )
    intent.status = "processing"
    session.status = "complete"  # payment_status stays "unpaid" until the debit settles
    session.customer_details = CustomerDetails(email, payment.name)
    events.append(account.emit("payment_intent.processing", intent.to_stripe()))
    events.append(account.emit("charge.pending", charge.to_stripe()))
    events.append(account.emit("checkout.session.completed", session.to_stripe()))
    account.scheduler.call_at(
        account.clock.now() + settle_after,
        f"settle debit {intent.id}",
        lambda: settle_debit(account, session.id, intent.id, succeeded=will_succeed),
    )
    return PaymentOutcome("processing", session, events=events)


def _error(decline: Decline, error_type: str, method: str = "card") -> PaymentError:
    return PaymentError(decline.code, decline.message, decline.decline_code, error_type, method)
