"""Two top-ups at once

One organisation's customer in a second browser, both paying at the same time, and the
ledger's balance chain across the credits the worker makes at once.
"""

from __future__ import annotations

from pytest_bdd import given, then, when

from harness.checks import ledger, topups
from harness.drivers.customer import CLOSE_TAB
from harness.drivers.records import Records
from harness.pages.checkout_page import by_card
from harness.profile.needs import needs
from harness.scenario import Scenario
from steps.sentences import CARD, MONEY, sentence


@given(sentence(r'"{email}" is also logged in to the dashboard in a second browser'))
def logged_in_twice(wallet_scenario: Scenario, email: str) -> None:
    """Given "EMAIL" is also logged in to the dashboard in a second browser

    Example: Given "test@demo.com" is also logged in to the dashboard in a second browser

    The same login in another browser context; "the dashboard" then means this one.
    """
    wallet_scenario.second_browser(email).log_in()


@when(
    sentence(
        rf'"{{email}}" tops up (?P<amount>{{money}}) in the second browser with card {CARD}'
        r" and closes the tab after paying"
    ),
    converters=MONEY,
)
def tops_up_in_second_browser_and_leaves(
    wallet_scenario: Scenario, email: str, amount: int, card: str
) -> None:
    """When "EMAIL" tops up MONEY in the second browser with card CARD and closes the tab after
    paying

    Example: When "test@demo.com" tops up £25.00 in the second browser with card
    4242 4242 4242 4242 and closes the tab after paying
    """
    wallet_scenario.second_browser(email).top_up(amount, by_card(card), then=CLOSE_TAB)


@then(
    sentence(
        r'the ledger of "{email}" has top-up credits of (?P<first>{money}) and'
        r" (?P<second>{money}), chained from (?P<before>{money}) to (?P<after>{money})"
    ),
    converters=MONEY,
)
def topup_credits_chained(
    wallet_scenario: Scenario,
    records: Records,
    email: str,
    first: int,
    second: int,
    before: int,
    after: int,
) -> None:
    """Then the ledger of "EMAIL" has top-up credits of MONEY and MONEY, chained from MONEY to
    MONEY

    Example: Then the ledger of "test@demo.com" has top-up credits of £50.00 and £25.00,
    chained from £0.00 to £75.00

    Only these two top-up credits, in either order (the worker credits them at once), each row
    starting where the one before it ended, each for one of the scenario's payments as Stripe
    names it.
    """
    amounts = [first, second]
    ledger.topup_credits_chained(wallet_scenario, records, email, amounts, before, after)


@then("every top-up was fulfilled by the webhook")
@needs("capabilities.fulfilment")
def every_topup_by_webhook(wallet_scenario: Scenario, records: Records) -> None:
    """Then every top-up was fulfilled by the webhook

    Example: Then every top-up was fulfilled by the webhook

    Every top-up the scenario started is credited, each by its webhook.
    """
    topups.every_topup_fulfilled_by_webhook(wallet_scenario, records)
