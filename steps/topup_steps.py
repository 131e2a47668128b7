"""A customer's top-up in the browser

Logging in, paying on the hosted Checkout with a card, landing back on the dashboard (or
closing the tab first), and what the dashboard, the ledger and Stripe then say.
"""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from harness.checks import dashboard, ledger, topups
from harness.drivers.customer import CLOSE_TAB
from harness.drivers.records import Records
from harness.pages.checkout_page import by_card
from harness.profile.needs import needs
from harness.scenario import Scenario
from steps.sentences import CARD, MONEY, sentence


@given(sentence(r'"{email}" is logged in to the dashboard'))
def logged_in(wallet_scenario: Scenario, email: str) -> None:
    """Given "EMAIL" is logged in to the dashboard

    Example: Given "test@demo.com" is logged in to the dashboard

    In a browser of their own, on the wallet dashboard.
    """
    wallet_scenario.customer(email).log_in()


@given(sentence(r'the wallet of "{email}" holds (?P<amount>{money})'), converters=MONEY)
@then(sentence(r'the wallet of "{email}" holds (?P<amount>{money})'), converters=MONEY)
def wallet_holds(records: Records, wallet_scenario: Scenario, email: str, amount: int) -> None:
    """Given/Then the wallet of "EMAIL" holds MONEY

    Example: Given the wallet of "test@demo.com" holds £0.00

    Example: Then the wallet of "test@demo.com" holds £50.00

    The organisation's balance in the app's database, once the stack is quiet.
    """
    ledger.wallet_holds(wallet_scenario, records, email, amount)


@when(sentence(rf'"{{email}}" tops up (?P<amount>{{money}}) with card {CARD}'), converters=MONEY)
def tops_up_and_lands(wallet_scenario: Scenario, email: str, amount: int, card: str) -> None:
    """When "EMAIL" tops up MONEY with card CARD

    Example: When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242

    Pays on Stripe's checkout page and lands back on the dashboard.
    """
    wallet_scenario.customer(email).top_up(amount, by_card(card))


@when(
    sentence(
        rf'"{{email}}" tops up (?P<amount>{{money}}) with card {CARD} and closes the tab after'
        r" paying"
    ),
    converters=MONEY,
)
def tops_up_and_leaves(wallet_scenario: Scenario, email: str, amount: int, card: str) -> None:
    """When "EMAIL" tops up MONEY with card CARD and closes the tab after paying

    Example: When "test@demo.com" tops up £50.00 with card 4242 4242 4242 4242 and closes the
    tab after paying

    The customer never lands back: only the webhook (or the reconciliation sweep) can credit it.
    """
    wallet_scenario.customer(email).top_up(amount, by_card(card), then=CLOSE_TAB)


@when(sentence(r'"{email}" opens the dashboard later'))
def opens_dashboard_later(wallet_scenario: Scenario, email: str) -> None:
    """When "EMAIL" opens the dashboard later

    Example: When "test@demo.com" opens the dashboard later

    In a new tab, once the stack is quiet.
    """
    wallet_scenario.wait_until_quiet()
    wallet_scenario.customer(email).come_back_later()


@then(sentence(r"the dashboard shows a balance of (?P<amount>{money})"), converters=MONEY)
def dashboard_balance(wallet_scenario: Scenario, amount: int) -> None:
    """Then the dashboard shows a balance of MONEY

    Example: Then the dashboard shows a balance of £50.00

    Waits for it (the dashboard updates without a reload where the app promises one), and
    decides as soon as the stack is quiet (``Scenario.expect_settled``).
    """
    dashboard = wallet_scenario.current_customer.dashboard
    wallet_scenario.expect_settled(lambda ms: dashboard.expect_balance(dashboard.money(amount), ms))


@then(
    sentence(r"the newest transaction on the dashboard is a top-up of (?P<amount>{money})"),
    converters=MONEY,
)
def newest_transaction(wallet_scenario: Scenario, amount: int) -> None:
    """Then the newest transaction on the dashboard is a top-up of MONEY

    Example: Then the newest transaction on the dashboard is a top-up of £50.00
    """
    dashboard = wallet_scenario.current_customer.dashboard
    row = f"Top-up +{dashboard.money(amount)}"
    wallet_scenario.expect_settled(lambda ms: dashboard.expect_top_row(row, ms))


@then(parsers.parse("the dashboard lists {count:d} transactions"))
@then(parsers.parse("the dashboard lists {count:d} transaction"))
def dashboard_lists(wallet_scenario: Scenario, count: int) -> None:
    """Then the dashboard lists N transaction(s)

    Example: Then the dashboard lists 1 transaction

    Example: Then the dashboard lists 2 transactions
    """
    dashboard = wallet_scenario.current_customer.dashboard
    wallet_scenario.expect_settled(lambda ms: dashboard.expect_row_count(count, ms))


@given(parsers.parse("the dashboard's first check of the payment is answered {status:d}"))
@needs("capabilities.topup_api")
def status_check_blips(wallet_scenario: Scenario, status: int) -> None:
    """Given the dashboard's first check of the payment is answered STATUS

    Example: Given the dashboard's first check of the payment is answered 503

    Answered on the way, in the customer's browser, before it reaches the app (a proxy having a
    moment); the checks after it go through. The dashboard must keep checking.
    """
    wallet_scenario.blip_status_checks(status)


@then("the dashboard was not reloaded")
def not_reloaded(wallet_scenario: Scenario) -> None:
    """Then the dashboard was not reloaded

    Example: Then the dashboard was not reloaded

    The landing page loaded once: the balance and the message changed in place.
    """
    dashboard.landing_loaded_once(wallet_scenario)


@then(sentence(r'the dashboard says "(?P<text>[^"]+)"'))
def dashboard_says(wallet_scenario: Scenario, text: str) -> None:
    """Then the dashboard says "TEXT"

    Example: Then the dashboard says "£50.00 has been added to your wallet."

    The status message under the balance contains the text.
    """
    wallet_scenario.current_customer.dashboard.expect_status_text(text)


@then("the dashboard shows no error")
def no_error(wallet_scenario: Scenario) -> None:
    """Then the dashboard shows no error

    Example: Then the dashboard shows no error
    """
    wallet_scenario.current_customer.dashboard.expect_no_error()


@then(
    sentence(
        r'the ledger of "{email}" has one top-up credit of (?P<amount>{money}) from'
        r" (?P<before>{money}) to (?P<after>{money}) for the payment"
    ),
    converters=MONEY,
)
def one_topup_credit(
    wallet_scenario: Scenario, records: Records, email: str, amount: int, before: int, after: int
) -> None:
    """Then the ledger of "EMAIL" has one top-up credit of MONEY from MONEY to MONEY for the
    payment

    Example: Then the ledger of "test@demo.com" has one top-up credit of £50.00 from £0.00 to
    £50.00 for the payment

    Exactly one row for the latest payment: its type (`topup`), direction (`credit`), amount,
    both balances, the organisation, and the Stripe payment (`pi_...`) as Stripe names it.
    """
    ledger.topup_credited_once(wallet_scenario, records, email, amount, before, after)


@then(
    parsers.re(
        r"the top-up was fulfilled by the (?P<path>webhook|landing page|reconciliation sweep)"
    )
)
@needs("capabilities.fulfilment")
def fulfilled_by(wallet_scenario: Scenario, records: Records, path: str) -> None:
    """Then the top-up was fulfilled by the webhook / landing page / reconciliation sweep

    Example: Then the top-up was fulfilled by the webhook

    Example: Then the top-up was fulfilled by the landing page

    The app's record of the latest top-up: credited, and by which path first.
    """
    topups.topup_fulfilled_by(wallet_scenario, records, path)


@then(sentence(r"Stripe took the payment of (?P<amount>{money})"), converters=MONEY)
def stripe_took_payment(wallet_scenario: Scenario, records: Records, amount: int) -> None:
    """Then Stripe took the payment of MONEY

    Example: Then Stripe took the payment of £50.00

    Stripe calls the latest Checkout Session paid, for that amount.
    """
    topups.stripe_took_payment(wallet_scenario, records, amount)


@then(sentence(r'the ledger of "{email}" is empty'))
@then(sentence(r'the ledger of "{email}" has no rows'))
def ledger_is_empty(wallet_scenario: Scenario, records: Records, email: str) -> None:
    """Then the ledger of "EMAIL" is empty / has no rows

    Example: Then the ledger of "test@demo.com" is empty

    Example: Then the ledger of "test@demo.com" has no rows
    """
    ledger.ledger_is_empty(wallet_scenario, records, email)


@then("the payment has not been credited")
def not_credited(wallet_scenario: Scenario, records: Records) -> None:
    """Then the payment has not been credited

    Example: Then the payment has not been credited

    No ledger row for the latest payment, and the app does not call the top-up credited.
    """
    ledger.payment_not_credited(wallet_scenario, records)


@then("exactly one top-up row exists for the payment")
def one_row_for_the_payment(wallet_scenario: Scenario, records: Records) -> None:
    """Then exactly one top-up row exists for the payment

    Example: Then exactly one top-up row exists for the payment

    For the latest payment, as "the payment" means everywhere: a declined card before it
    leaves no row to count.
    """
    ledger.one_topup_row_for_latest(wallet_scenario, records)


@then("exactly one top-up row exists for each payment")
def one_row_per_payment(wallet_scenario: Scenario, records: Records) -> None:
    """Then exactly one top-up row exists for each payment

    Example: Then exactly one top-up row exists for each payment

    For every top-up the scenario started.
    """
    ledger.one_topup_row_per_payment(wallet_scenario, records)


@then(
    sentence(
        r"the dashboard first said the payment was being confirmed, then that"
        r" (?P<amount>{money}) was added"
    ),
    converters=MONEY,
)
def banner_went_pending_then_credited(wallet_scenario: Scenario, amount: int) -> None:
    """Then the dashboard first said the payment was being confirmed, then that MONEY was added

    Example: Then the dashboard first said the payment was being confirmed, then that £50.00
    was added

    The status banner's whole history, once it says the top-up is credited.
    """
    dashboard.banner_went_pending_then_credited(wallet_scenario, amount)
