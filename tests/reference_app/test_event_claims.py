"""What a webhook event says about its session is checked against Stripe's answer
(``reference_app.fulfilment.disagreement``): what a session is born with, and being paid or
complete, cannot be contradicted; an honest event older than Stripe's answer is not a lie."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reference_app.fulfilment import disagreement
from reference_app.stripe_gateway import CheckoutSessionView

STRIPE_SAYS = CheckoutSessionView(
    id="cs_test_1",
    status="complete",
    payment_status="paid",
    amount_total=5000,
    currency="gbp",
    client_reference_id="org-a",
    metadata={},
    payment_intent_id="pi_1",
    payment_intent_metadata={},
    amount_subtotal=5000,
)
HONEST = {
    "id": "cs_test_1",
    "status": "complete",
    "payment_status": "paid",
    "amount_total": 5000,
    "currency": "gbp",
    "client_reference_id": "org-a",
}


@pytest.mark.parametrize(
    "claimed",
    [
        HONEST,
        {**HONEST, "payment_status": "unpaid"},  # a bank debit's completed event, settled since
        {**HONEST, "status": "open", "payment_status": "unpaid"},  # older than Stripe's answer
        {"id": "cs_test_1"},  # says nothing to contradict
    ],
)
def test_an_honest_event_agrees(claimed: dict[str, object]) -> None:
    assert disagreement(STRIPE_SAYS, claimed) is None


@pytest.mark.parametrize(
    ("claimed", "stripe_says", "named"),
    [
        ({**HONEST, "client_reference_id": "org-b"}, STRIPE_SAYS, "client_reference_id 'org-b'"),
        ({**HONEST, "amount_total": 500000}, STRIPE_SAYS, "amount_total 500000"),
        ({**HONEST, "currency": "usd"}, STRIPE_SAYS, "currency 'usd'"),
        (
            HONEST,
            replace(STRIPE_SAYS, status="open", payment_status="unpaid"),
            "payment_status 'paid', Stripe says 'unpaid'; status 'complete', Stripe says 'open'",
        ),
        ({**HONEST, "client_reference_id": None}, STRIPE_SAYS, "client_reference_id None"),
    ],
)
def test_a_lying_event_is_named_where_it_lies(
    claimed: dict[str, object], stripe_says: CheckoutSessionView, named: str
) -> None:
    found = disagreement(stripe_says, claimed)
    assert found is not None
    assert named in found
