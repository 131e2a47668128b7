"""PaymentIntents and Charges through the official SDK: made when a session is paid, then
retrieved (with expand) and listed."""

from __future__ import annotations

import pytest
import stripe

from fake_stripe.client import FakeStripeControl
from tests.fake_stripe.conftest import new_session


def _paid_intent(
    client: stripe.StripeClient, control: FakeStripeControl, amount: int = 5000, **pay: str
) -> stripe.PaymentIntent:
    session = new_session(client, amount)
    control.pay(session.id, **pay)  # type: ignore[arg-type]
    paid = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert isinstance(paid.payment_intent, stripe.PaymentIntent)
    return paid.payment_intent


def test_a_paid_session_has_a_succeeded_intent_and_charge(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    intent = _paid_intent(stripe_client, control, 4200, name="Pat Payer")

    charge = stripe_client.v1.charges.retrieve(str(intent.latest_charge))

    assert intent.id.startswith("pi_")
    assert (intent.status, intent.amount, intent.amount_received, intent.currency) == (
        "succeeded",
        4200,
        4200,
        "gbp",
    )
    assert intent.payment_method_types == ["card"]
    assert charge.id.startswith("ch_")
    assert (charge.status, charge.paid, charge.captured, charge.amount) == (
        "succeeded",
        True,
        True,
        4200,
    )
    assert charge.payment_intent == intent.id
    assert charge.billing_details.name == "Pat Payer"
    assert charge.payment_method_details is not None
    assert charge.payment_method_details.card is not None
    assert charge.payment_method_details.card.last4 == "4242"


def test_expand_follows_intent_and_charge_both_ways(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    intent = _paid_intent(stripe_client, control)

    with_charge = stripe_client.v1.payment_intents.retrieve(
        intent.id, params={"expand": ["latest_charge"]}
    )
    with_intent = stripe_client.v1.charges.retrieve(
        str(intent.latest_charge), params={"expand": ["payment_intent", "customer"]}
    )
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.payment_intents.retrieve(intent.id, params={"expand": ["payment_method"]})

    assert isinstance(with_charge.latest_charge, stripe.Charge)
    assert with_charge.latest_charge.id == intent.latest_charge
    assert isinstance(with_intent.payment_intent, stripe.PaymentIntent)
    assert with_intent.payment_intent.id == intent.id
    assert with_intent.customer is None  # expanding a null stays null, as on Stripe
    assert refused.value.param == "expand[0]"
    assert "payment_method" in str(refused.value.user_message)


def test_a_declined_card_leaves_the_intent_waiting_for_a_payment_method(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    session = new_session(stripe_client)
    control.pay(session.id, card="4000000000009995")

    still_open = stripe_client.v1.checkout.sessions.retrieve(session.id)
    intent = stripe_client.v1.payment_intents.retrieve(str(still_open.payment_intent))
    charge = stripe_client.v1.charges.retrieve(str(intent.latest_charge))

    assert (still_open.status, still_open.payment_status) == ("open", "unpaid")
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error is not None
    assert intent.last_payment_error.decline_code == "insufficient_funds"
    assert (charge.status, charge.paid, charge.failure_code) == (
        "failed",
        False,
        "insufficient_funds",
    )


def test_payment_intents_list_newest_first_and_page(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    ids = [_paid_intent(stripe_client, control, amount).id for amount in (1000, 2000, 3000)]

    first = stripe_client.v1.payment_intents.list(params={"limit": 2})
    rest = stripe_client.v1.payment_intents.list(
        params={"limit": 2, "starting_after": first.data[-1].id}
    )
    walked = stripe_client.v1.payment_intents.list(params={"limit": 1}).auto_paging_iter()
    expanded = stripe_client.v1.payment_intents.list(params={"expand": ["data.latest_charge"]})

    assert ([i.id for i in first.data], first.has_more) == (ids[::-1][:2], True)
    assert ([i.id for i in rest.data], rest.has_more) == ([ids[0]], False)
    assert [i.id for i in walked] == ids[::-1]
    assert all(isinstance(i.latest_charge, stripe.Charge) for i in expanded.data)


def test_payment_intents_list_filters_by_created(
    stripe_client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    older = _paid_intent(stripe_client, control)
    control.advance(seconds=60)
    newer = _paid_intent(stripe_client, control)

    since = stripe_client.v1.payment_intents.list(params={"created": {"gte": newer.created}})
    until = stripe_client.v1.payment_intents.list(params={"created": {"lt": newer.created}})

    assert [i.id for i in since.data] == [newer.id]
    assert [i.id for i in until.data] == [older.id]


def test_missing_intents_and_charges_are_404s_naming_the_url_param(
    stripe_client: stripe.StripeClient,
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as intent:
        stripe_client.v1.payment_intents.retrieve("pi_missing")
    with pytest.raises(stripe.InvalidRequestError) as charge:
        stripe_client.v1.charges.retrieve("ch_missing")

    assert (intent.value.http_status, intent.value.param) == (404, "intent")
    assert (charge.value.http_status, charge.value.param) == (404, "charge")
