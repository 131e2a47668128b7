"""Steps about how the customer pays on the hosted Checkout: refused cards, 3-D Secure, bank
debit, a checkout left to expire; and what the dashboard, the ledger and the app's record of
the top-up say when nothing was credited.

In a quoted text a step compares with the page, ``{reference}`` stands for the payment's
reference (the Checkout Session id of the scenario's latest top-up).
"""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from harness.drivers.customer import CLOSE_TAB, STAY
from harness.drivers.records import Records
from harness.money import format_money
from harness.pages.checkout_page import by_bank_debit, by_card
from harness.scenario import Scenario
from steps.sentences import MONEY, sentence
from steps.topup_steps import CARD

TOPUP_STATUS = r"created|awaiting_payment|credited|failed|expired"


def with_reference(text: str, scenario: Scenario) -> str:
    return text.replace("{reference}", scenario.latest_session)


# -- paying, or not --------------------------------------------------------------------------


@when(
    sentence(rf'"{{email}}" tries to top up (?P<amount>{{money}}) with card {CARD}'),
    converters=MONEY,
)
def tries_to_top_up(wallet_scenario: Scenario, email: str, amount: int, card: str) -> None:
    wallet_scenario.customer(email).top_up(amount, by_card(card), then=STAY)


@when(
    sentence(
        rf'"{{email}}" tries to top up (?P<amount>{{money}}) with card {CARD} and fails'
        r" 3-D Secure"
    ),
    converters=MONEY,
)
def tries_to_top_up_failing_3ds(
    wallet_scenario: Scenario, email: str, amount: int, card: str
) -> None:
    customer = wallet_scenario.customer(email)
    customer.top_up(amount, by_card(card, three_d_secure=False), then=STAY)


@when(
    sentence(
        rf'"{{email}}" tops up (?P<amount>{{money}}) with card {CARD}, completes 3-D Secure'
        r" and closes the tab after paying"
    ),
    converters=MONEY,
)
def tops_up_passing_3ds_and_leaves(
    wallet_scenario: Scenario, email: str, amount: int, card: str
) -> None:
    customer = wallet_scenario.customer(email)
    customer.top_up(amount, by_card(card, three_d_secure=True), then=CLOSE_TAB)


@when(
    sentence(
        r'"{email}" tops up (?P<amount>{money}) by bank debit from account (?P<account>\d{8})'
    ),
    converters=MONEY,
)
def tops_up_by_bank_debit(wallet_scenario: Scenario, email: str, amount: int, account: str) -> None:
    wallet_scenario.customer(email).top_up(amount, by_bank_debit(account))


@when(
    sentence(r'"{email}" opens Checkout for (?P<amount>{money}) and closes the tab without paying'),
    converters=MONEY,
)
def leaves_checkout_unpaid(wallet_scenario: Scenario, email: str, amount: int) -> None:
    customer = wallet_scenario.customer(email)
    customer.start_top_up(format_money(amount))
    customer.leave_checkout()


@when(sentence(r'"{email}" opens the dashboard with the payment\'s reference'))
def opens_dashboard_with_reference(wallet_scenario: Scenario, email: str) -> None:
    wallet_scenario.wait_until_quiet()
    session_id = wallet_scenario.latest_session
    wallet_scenario.customer(email).come_back_with_reference(session_id)


# -- what the customer sees ------------------------------------------------------------------


@then(parsers.re(r'the checkout page says "(?P<text>[^"]+)"'))
def checkout_page_says(wallet_scenario: Scenario, text: str) -> None:
    wallet_scenario.current_customer.checkout.expect_error(text)


@then(parsers.re(r'the dashboard shows the error "(?P<text>[^"]+)"'))
def dashboard_shows_error(wallet_scenario: Scenario, text: str) -> None:
    dashboard = wallet_scenario.current_customer.dashboard
    dashboard.expect_error(with_reference(text, wallet_scenario))


@then("the dashboard lists no transactions")
def dashboard_lists_nothing(wallet_scenario: Scenario) -> None:
    wallet_scenario.current_customer.dashboard.expect_row_count(0)


# -- what the app recorded -------------------------------------------------------------------


@then(sentence(r'the ledger of "{email}" is empty'))
def ledger_is_empty(wallet_scenario: Scenario, records: Records, email: str) -> None:
    wallet_scenario.wait_until_quiet()
    rows = records.ledger(email)
    assert not rows, f"the ledger of {email} has {len(rows)} row(s): {rows}"


@then(parsers.re(rf'the top-up is recorded as "(?P<status>{TOPUP_STATUS})"'))
def topup_recorded_as(wallet_scenario: Scenario, records: Records, status: str) -> None:
    wallet_scenario.wait_until_quiet()
    session_id = wallet_scenario.latest_session
    record = records.topup(session_id)
    assert record is not None, f"the app has no record of the top-up {session_id}"
    assert record.status == status, (
        f"the top-up {session_id} is recorded as {record.status!r}"
        f" ({record.failure_reason or 'no reason given'}), expected {status!r}"
    )
