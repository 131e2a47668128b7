"""One organisation's reach into another's

A top-up a script starts through the API and pays without a browser, and what another
organisation may learn about it.
"""

from __future__ import annotations

from pytest_bdd import then, when

from harness.checks.topups import reference_check_answered
from harness.drivers.hosted_checkout import HostedCheckout
from harness.profile.needs import needs
from harness.scenario import Scenario
from steps.sentences import CARD, MONEY, sentence


@when(
    sentence(r'"{email}" starts a top-up of (?P<amount>{money}) through the API'),
    converters=MONEY,
)
@needs("capabilities.topup_api")
def starts_top_up_through_api(wallet_scenario: Scenario, email: str, amount: int) -> None:
    """When "EMAIL" starts a top-up of MONEY through the API

    Example: When "other@demo.com" starts a top-up of £50.00 through the API

    With the organisation's API token, as a script would; no browser.
    """
    wallet_scenario.start_api_top_up(email, amount)


@when(sentence(rf"it is paid on Stripe's checkout page with card {CARD}"))
def paid_on_checkout(wallet_scenario: Scenario, hosted_checkout: HostedCheckout, card: str) -> None:
    """When it is paid on Stripe's checkout page with card CARD

    Example: When it is paid on Stripe's checkout page with card 4242 4242 4242 4242

    The latest Checkout Session, paid through the hosted page's own code, without a browser.
    """
    hosted_checkout.pay_by_card(wallet_scenario.latest_session, card)


@then(
    sentence(
        r"checking the payment's reference with the API token of"
        r' "{email}" is answered (?P<status>\d{3})'
    ),
    converters={"status": int},
)
@needs("capabilities.topup_api.status_path")
def checking_reference_answered(wallet_scenario: Scenario, email: str, status: int) -> None:
    """Then checking the payment's reference with the API token of "EMAIL" is answered STATUS

    Example: Then checking the payment's reference with the API token of "test@demo.com" is
    answered 404
    """
    reference_check_answered(wallet_scenario, email, status)
