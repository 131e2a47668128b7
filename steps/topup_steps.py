"""Steps about a customer's top-up in the browser: logging in, paying on the hosted Checkout,
landing back (or not), and what the dashboard and the ledger then say."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from harness.drivers.customer import CLOSE_TAB
from harness.drivers.records import Records
from harness.money import format_money
from harness.pages.checkout_page import by_card
from harness.scenario import Scenario
from harness.stack.demo_accounts import account
from steps.sentences import MONEY, sentence

CARD = r"(?P<card>\d{4}(?: ?\d{4}){3})"


@given(sentence(r'"{email}" is logged in to the dashboard'))
def logged_in(wallet_scenario: Scenario, email: str) -> None:
    wallet_scenario.customer(email).log_in()


@given(sentence(r'the wallet of "{email}" holds (?P<amount>{money})'), converters=MONEY)
@then(sentence(r'the wallet of "{email}" holds (?P<amount>{money})'), converters=MONEY)
def wallet_holds(records: Records, wallet_scenario: Scenario, email: str, amount: int) -> None:
    wallet_scenario.wait_until_quiet()
    actual = records.balance_pence(email)
    assert actual == amount, f"the wallet of {email} holds {format_money(actual)}"


@when(sentence(rf'"{{email}}" tops up (?P<amount>{{money}}) with card {CARD}'), converters=MONEY)
def tops_up_and_lands(wallet_scenario: Scenario, email: str, amount: int, card: str) -> None:
    wallet_scenario.customer(email).top_up(amount, by_card(card))


@when(
    sentence(
        rf'"{{email}}" tops up (?P<amount>{{money}}) with card {CARD} and closes the tab after'
        r" paying"
    ),
    converters=MONEY,
)
def tops_up_and_leaves(wallet_scenario: Scenario, email: str, amount: int, card: str) -> None:
    wallet_scenario.customer(email).top_up(amount, by_card(card), then=CLOSE_TAB)


@when(sentence(r'"{email}" opens the dashboard later'))
def opens_dashboard_later(wallet_scenario: Scenario, email: str) -> None:
    wallet_scenario.wait_until_quiet()
    wallet_scenario.customer(email).come_back_later()


@then(sentence(r"the dashboard shows a balance of (?P<amount>{money})"), converters=MONEY)
def dashboard_balance(wallet_scenario: Scenario, amount: int) -> None:
    wallet_scenario.current_customer.dashboard.expect_balance(format_money(amount))


@then(
    sentence(r"the newest transaction on the dashboard is a top-up of (?P<amount>{money})"),
    converters=MONEY,
)
def newest_transaction(wallet_scenario: Scenario, amount: int) -> None:
    wallet_scenario.current_customer.dashboard.expect_top_row(f"Top-up +{format_money(amount)}")


@then(parsers.parse("the dashboard lists {count:d} transactions"))
@then(parsers.parse("the dashboard lists {count:d} transaction"))
def dashboard_lists(wallet_scenario: Scenario, count: int) -> None:
    wallet_scenario.current_customer.dashboard.expect_row_count(count)


@then("the dashboard was not reloaded")
def not_reloaded(wallet_scenario: Scenario) -> None:
    loads = wallet_scenario.current_customer.landing_loads
    assert len(loads) == 1, f"the landing page loaded {len(loads)} times: {loads}"


@then(sentence(r'the dashboard says "(?P<text>[^"]+)"'))
def dashboard_says(wallet_scenario: Scenario, text: str) -> None:
    wallet_scenario.current_customer.dashboard.expect_status_text(text)


@then("the dashboard shows no error")
def no_error(wallet_scenario: Scenario) -> None:
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
    wallet_scenario.wait_until_quiet()
    session_id = wallet_scenario.latest_session
    rows = records.topup_rows(session_id)
    assert len(rows) == 1, f"{len(rows)} top-up rows for {session_id}: {rows}"
    row = rows[0]
    expected = ("topup", "credit", amount, before, after)
    actual = (
        row.type,
        row.direction,
        row.amount_pence,
        row.balance_before_pence,
        row.balance_after_pence,
    )
    assert actual == expected, f"the top-up row is {actual}, expected {expected}"
    intent = records.payment_intent(session_id)
    assert intent, f"Stripe has no PaymentIntent for {session_id}"
    assert intent.startswith("pi_"), intent
    assert row.stripe_payment_intent_id == intent, (
        f"the row names payment {row.stripe_payment_intent_id}, Stripe says {intent}"
    )
    assert row.org_id == account(email).org_id, f"credited to {row.org_id}, not {email}'s org"


@then(
    parsers.re(
        r"the top-up was fulfilled by the (?P<path>webhook|landing page|reconciliation sweep)"
    )
)
def fulfilled_by(wallet_scenario: Scenario, records: Records, path: str) -> None:
    wallet_scenario.wait_until_quiet()
    expected = {
        "webhook": "webhook",
        "landing page": "landing",
        "reconciliation sweep": "reconcile",
    }
    record = records.topup(wallet_scenario.latest_session)
    assert record is not None, "the app has no record of the top-up"
    assert (record.status, record.fulfilled_by) == ("credited", expected[path]), (
        f"the top-up is {record.status}, fulfilled by {record.fulfilled_by or 'nothing'}"
    )


@then(sentence(r"Stripe took the payment of (?P<amount>{money})"), converters=MONEY)
def stripe_took_payment(wallet_scenario: Scenario, records: Records, amount: int) -> None:
    session_id = wallet_scenario.latest_session
    status, total = records.payment_status(session_id), records.amount_total(session_id)
    assert (status, total) == ("paid", amount), (
        f"Stripe says {session_id} is {status}, {format_money(total)}"
    )


@then(sentence(r'the ledger of "{email}" has no rows'))
def ledger_has_no_rows(wallet_scenario: Scenario, records: Records, email: str) -> None:
    wallet_scenario.wait_until_quiet()
    rows = records.ledger(email)
    assert rows == [], f"the ledger of {email} has {len(rows)} row(s): {rows}"
