"""Steps about one organisation's reach into another's: a top-up a script starts through the
API and pays without a browser, and what another organisation may learn about it."""

from __future__ import annotations

from pytest_bdd import then, when

from harness.drivers.hosted_checkout import HostedCheckout
from harness.scenario import Scenario
from steps.sentences import MONEY, sentence
from steps.topup_steps import CARD


@when(
    sentence(r'"{email}" starts a top-up of (?P<amount>{money}) through the API'),
    converters=MONEY,
)
def starts_top_up_through_api(wallet_scenario: Scenario, email: str, amount: int) -> None:
    answer = wallet_scenario.api(email).start_top_up(amount)
    assert answer.status_code == 201, f"the API refused the top-up: {answer}"
    wallet_scenario.note_api_session(str(answer.body["session_id"]))


@when(sentence(rf"it is paid on Stripe's checkout page with card {CARD}"))
def paid_on_checkout(wallet_scenario: Scenario, hosted_checkout: HostedCheckout, card: str) -> None:
    hosted_checkout.pay_by_card(wallet_scenario.latest_session, card)


@then(
    sentence(
        r"checking the payment's reference with the API token of"
        r' "{email}" is answered (?P<status>\d{3})'
    ),
    converters={"status": int},
)
def checking_reference_answered(wallet_scenario: Scenario, email: str, status: int) -> None:
    answer = wallet_scenario.api(email).check_top_up(wallet_scenario.latest_session)
    assert answer.status_code == status, f"the API answered {answer}"
