"""Steps about top-ups of one organisation at the same time: a second browser, and the
ledger's balance chain across the credits."""

from __future__ import annotations

from pytest_bdd import given, then, when

from harness.drivers.customer import CLOSE_TAB
from harness.drivers.records import Records
from harness.money import format_money
from harness.pages.checkout_page import by_card
from harness.records.ledger_chain import chain_breaks, describe
from harness.scenario import Scenario
from steps.sentences import MONEY, sentence
from steps.topup_steps import CARD


@given(sentence(r'"{email}" is also logged in to the dashboard in a second browser'))
def logged_in_twice(wallet_scenario: Scenario, email: str) -> None:
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
    """Both credits, in either order (the worker credits them at once), each row starting
    where the one before it ended, each for one of the scenario's payments, as Stripe names it."""
    wallet_scenario.wait_until_quiet()
    rows = records.ledger(email)
    shown = describe(rows)
    assert {(row.type, row.direction) for row in rows} == {("topup", "credit")}, (
        f"the ledger of {email} holds more than top-up credits:\n{shown}"
    )
    amounts = sorted(row.amount_pence for row in rows)
    assert amounts == sorted([first, second]), f"the ledger of {email} holds:\n{shown}"
    breaks = chain_breaks(rows, before)
    assert not breaks, "the balance chain breaks: " + "; ".join(breaks) + f"\n{shown}"
    end = rows[-1].balance_after_pence
    assert end == after, f"the chain ends at {format_money(end)}:\n{shown}"
    sessions = sorted(str(row.stripe_checkout_session_id) for row in rows)
    assert sessions == sorted(wallet_scenario.session_ids), (
        f"the rows are for {sessions}, the payments were {wallet_scenario.session_ids}"
    )
    for row in rows:
        intent = records.payment_intent(str(row.stripe_checkout_session_id))
        assert intent, f"Stripe has no PaymentIntent for {row.stripe_checkout_session_id}"
        assert row.stripe_payment_intent_id == intent, (
            f"the row for {row.stripe_checkout_session_id} names payment"
            f" {row.stripe_payment_intent_id}, Stripe says {intent}"
        )


@then("every top-up was fulfilled by the webhook")
def every_topup_by_webhook(wallet_scenario: Scenario, records: Records) -> None:
    wallet_scenario.wait_until_quiet()
    sessions = wallet_scenario.session_ids
    assert sessions, "no top-up was started in this scenario"
    paths = {}
    for session_id in sessions:
        record = records.topup(session_id)
        paths[session_id] = None if record is None else (record.status, record.fulfilled_by)
    assert set(paths.values()) == {("credited", "webhook")}, f"the top-ups stand: {paths}"
