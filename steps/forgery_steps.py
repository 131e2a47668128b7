"""Someone who is not Stripe at the app's webhook URL

Forged deliveries (no signature, a secret of the forger's own), genuine deliveries replayed
later, and correctly signed events that lie about their session; what the app answered, and
what the admin sees of them.
"""

from __future__ import annotations

import re

from pytest_bdd import then, when

from harness.checks.pipeline import forged_delivery_answered, forged_delivery_listed
from harness.drivers.forger import FLAWS, Forger
from harness.drivers.ops_view import OpsView
from harness.drivers.webhook_faults import WebhookFaults
from harness.profile.needs import needs
from harness.scenario import Scenario
from steps.sentences import DURATION, EVENT, SECONDS, sentence

PAID = {"payment_status": "paid", "status": "complete"}
UNSIGNED = "with no signature header"
THEIR_KEY = "signed with a secret of its own"


@when(
    sentence(
        r"someone posts checkout\.session\.completed for it, claiming it was paid,"
        rf" (?P<how>{UNSIGNED}|{THEIR_KEY})"
    )
)
def posts_forged_paid_event(wallet_scenario: Scenario, forger: Forger, how: str) -> None:
    """When someone posts checkout.session.completed for it, claiming it was paid, HOW

    Example: When someone posts checkout.session.completed for it, claiming it was paid, with
    no signature header

    Example: When someone posts checkout.session.completed for it, claiming it was paid, signed
    with a secret of its own

    The latest top-up as Stripe shows it, claimed paid and complete, under a new event id.
    """
    payload = forger.completed_event(wallet_scenario.latest_session, **PAID)
    if how == UNSIGNED:
        forger.post_unsigned(payload)
    else:
        forger.post_signed_with_own_secret(payload)


@when(
    sentence(
        r"someone posts a correctly signed checkout\.session\.completed for it,"
        r" claiming it was paid"
    )
)
def posts_signed_paid_claim(wallet_scenario: Scenario, forger: Forger) -> None:
    """When someone posts a correctly signed checkout.session.completed for it, claiming it was
    paid

    Example: When someone posts a correctly signed checkout.session.completed for it, claiming
    it was paid

    Signed with the endpoint's own secret, as whoever holds a leaked one could.
    """
    forger.post_correctly_signed(forger.completed_event(wallet_scenario.latest_session, **PAID))


@when(
    sentence(
        r"someone posts a correctly signed checkout\.session\.completed for it,"
        r' naming the organisation of "{email}"'
    )
)
def posts_signed_other_org(wallet_scenario: Scenario, forger: Forger, email: str) -> None:
    """When someone posts a correctly signed checkout.session.completed for it, naming the
    organisation of "EMAIL"

    Example: When someone posts a correctly signed checkout.session.completed for it, naming
    the organisation of "test@demo.com"

    The latest top-up (another organisation's) claimed paid for that organisation.
    """
    org_id = wallet_scenario.stack.account(email).org_id
    payload = forger.completed_event(
        wallet_scenario.latest_session, client_reference_id=org_id, **PAID
    )
    forger.post_correctly_signed(payload)


@when(
    sentence(
        r"someone posts a correctly signed checkout\.session\.completed for a session Stripe"
        r' never made, naming the organisation of "{email}"'
    )
)
def posts_signed_unknown_session(wallet_scenario: Scenario, forger: Forger, email: str) -> None:
    """When someone posts a correctly signed checkout.session.completed for a session Stripe
    never made, naming the organisation of "EMAIL"

    Example: When someone posts a correctly signed checkout.session.completed for a session
    Stripe never made, naming the organisation of "test@demo.com"

    A made-up session of £50.00, paid, under an id Stripe never handed out.
    """
    org_id = wallet_scenario.stack.account(email).org_id
    made_up = forger.made_up_session_id()
    claims = {"client_reference_id": org_id, "amount_total": 5000, "currency": "gbp", **PAID}
    forger.post_correctly_signed(forger.completed_event(made_up, **claims))


@when(
    sentence(rf"someone replays its (?P<event_type>{EVENT}) delivery {DURATION} later"),
    converters=SECONDS,
)
def replays_delivery(
    wallet_scenario: Scenario,
    forger: Forger,
    webhook_faults: WebhookFaults,
    event_type: str,
    duration: float,
) -> None:
    """When someone replays its EVENT delivery DURATION later

    Example: When someone replays its checkout.session.completed delivery 10 minutes later

    The genuine delivery of the latest payment's event, byte for byte, sent again as if
    captured that long ago (its signature that old).
    """
    wallet_scenario.wait_until_quiet()
    attempts = webhook_faults.delivery_log(wallet_scenario.latest_session)
    delivered = [a for a in attempts if a.event_type == event_type and a.answer.startswith("2")]
    assert delivered, f"no delivery of {event_type} was accepted to replay: {attempts}"
    forger.replay(delivered[0].event_id, duration)


@when(
    sentence(rf"someone posts a correctly signed body (?P<flaw>{'|'.join(map(re.escape, FLAWS))})")
)
def posts_signed_flawed(forger: Forger, flaw: str) -> None:
    """When someone posts a correctly signed body FLAW

    Example: When someone posts a correctly signed body with an empty event id

    Example: When someone posts a correctly signed body whose data.object is not an object

    In the shape of a checkout.session.completed, signed with the endpoint's secret (as a
    leaked secret allows), with one flaw the app must refuse with 400, not trip over.
    """
    forger.post_correctly_signed(forger.flawed_event(flaw))


@then(sentence(r"the forged delivery is answered (?P<status>\d{3})"), converters={"status": int})
def forged_answered(forger: Forger, status: int) -> None:
    """Then the forged delivery is answered STATUS

    Example: Then the forged delivery is answered 400

    What the app answered the last forged or replayed request.
    """
    forged_delivery_answered(forger.last, status)


@then(sentence(r'recent failures list the forged delivery because "(?P<reason>[^"]+)"'))
@needs("capabilities.failures_url")
def forged_listed(
    wallet_scenario: Scenario, forger: Forger, ops_view: OpsView, reason: str
) -> None:
    """Then recent failures list the forged delivery because "TEXT"

    Example: Then recent failures list the forged delivery because "disagrees with Stripe"

    The admin's webhook metrics list the last forged or replayed event, by its id, with an
    error that says TEXT (in any case).
    """
    forged_delivery_listed(wallet_scenario, ops_view, forger.last, reason)
