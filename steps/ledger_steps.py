"""The wallet ledger itself

The features in `features/ledger` run on a database of their own, with no stack and no
browser: balances, credits keyed on a checkout session (once, twice, many at once), charges
against the debt limit, and the terminal credit support uses. A quoted "ID" or "PI" is any
Checkout Session, organisation or payment id (`"cs_test_1"`, `"pi_1"`), made up or not.
"""

from __future__ import annotations

import subprocess

from pytest_bdd import given, parsers, then, when

from harness.checks import wallet_functions
from harness.drivers.ledger import LedgerDriver, Outcome
from harness.profile.needs import needs
from steps.sentences import MONEY, sentence


@given(
    sentence(r'the organisation "{email}" has a balance of (?P<amount>{money})'),
    converters=MONEY,
)
@needs("capabilities.ledger_functions")
def organisation_has_balance(ledger: LedgerDriver, email: str, amount: int) -> None:
    """Given the organisation "EMAIL" has a balance of MONEY

    Example: Given the organisation "test@demo.com" has a balance of £1.00

    From zero, with an opening `adjustment` credit (none for £0.00).
    """
    ledger.open_balance(email, amount)


@given(
    sentence(r'the organisation "{email}" may go (?P<amount>{money}) into debt'),
    converters=MONEY,
)
@needs("capabilities.debt_limit_sql")
def organisation_may_go_into_debt(ledger: LedgerDriver, email: str, amount: int) -> None:
    """Given the organisation "EMAIL" may go MONEY into debt

    Example: Given the organisation "test@demo.com" may go £5.00 into debt
    """
    ledger.allow_debt(email, amount)


@when(
    sentence(
        r'checkout session "(?P<session>[^"]+)" credits (?P<amount>{money}) to "{email}"'
        r' for payment "(?P<payment>[^"]+)"'
    ),
    target_fixture="outcome",
    converters=MONEY,
)
@needs("capabilities.ledger_functions")
def checkout_session_credits(
    ledger: LedgerDriver, session: str, amount: int, email: str, payment: str
) -> Outcome:
    """When checkout session "ID" credits MONEY to "EMAIL" for payment "PI"

    Example: When checkout session "cs_test_1" credits £50.00 to "test@demo.com" for payment
    "pi_1"

    What the app's fulfilment does once Stripe says the session is paid (`add_wallet_credits`
    keyed on the session).
    """
    return ledger.credit_checkout_session(session, email, amount, payment)


@when(
    sentence(
        r'checkout session "(?P<session>[^"]+)" credits (?P<amount>{money}) to "{email}"'
        r" (?P<callers>\d+) times at once"
    ),
    target_fixture="outcomes",
    converters={**MONEY, "callers": int},
)
@needs("capabilities.ledger_functions")
def checkout_session_credits_at_once(
    ledger: LedgerDriver, session: str, amount: int, email: str, callers: int
) -> list[Outcome]:
    """When checkout session "ID" credits MONEY to "EMAIL" N times at once

    Example: When checkout session "cs_test_race" credits £50.00 to "test@demo.com" 50 times at
    once

    N callers, each on its own connection, released together.
    """
    return ledger.credit_checkout_session_at_once(session, email, amount, callers)


@when(
    sentence(r'"{email}" is charged (?P<amount>{money}) for "(?P<kind>[a-z_]+)"'),
    target_fixture="outcome",
    converters=MONEY,
)
@needs("capabilities.ledger_functions")
def organisation_is_charged(ledger: LedgerDriver, email: str, amount: int, kind: str) -> Outcome:
    """When "EMAIL" is charged MONEY for "TYPE"

    Example: When "test@demo.com" is charged £0.04 for "sms"

    What a billing gate does (`deduct_wallet_credits`); TYPE is a debit type: `sms`, `call`,
    `phone_number`.
    """
    return ledger.charge(email, amount, kind)


@when(
    sentence(
        r'support credits (?P<amount>{money}) to "{email}" from the terminal'
        r' because "(?P<reason>[^"]+)"'
    ),
    target_fixture="terminal",
    converters=MONEY,
)
@needs("capabilities.manual_credit")
def support_credits_by_email(
    ledger: LedgerDriver, amount: int, email: str, reason: str
) -> subprocess.CompletedProcess[str]:
    """When support credits MONEY to "EMAIL" from the terminal because "TEXT"

    Example: When support credits £50.00 to "test@demo.com" from the terminal because "paid by
    bank transfer"

    The report's manual credit: `python -m reference_app credit` with the reason.
    """
    return ledger.terminal_credit(ledger.org_id(email), amount, reason)


@when(
    sentence(
        r'support credits (?P<amount>{money}) to organisation "(?P<org_id>[^"]+)" from the terminal'
    ),
    target_fixture="terminal",
    converters=MONEY,
)
@needs("capabilities.manual_credit")
def support_credits_by_id(
    ledger: LedgerDriver, amount: int, org_id: str
) -> subprocess.CompletedProcess[str]:
    """When support credits MONEY to organisation "ID" from the terminal

    Example: When support credits £50.00 to organisation "00000000-0000-4000-8000-000000000000"
    from the terminal

    An organisation's id, known or not.
    """
    return ledger.terminal_credit(org_id, amount, "support credit")


@then(sentence(r'the balance of "{email}" is (?P<amount>{money})'), converters=MONEY)
def balance_is(ledger: LedgerDriver, email: str, amount: int) -> None:
    """Then the balance of "EMAIL" is MONEY

    Example: Then the balance of "test@demo.com" is £50.00
    """
    wallet_functions.balance_is(ledger, email, amount)


@then(parsers.parse('the ledger of "{email}" holds {count:d} row'))
@then(parsers.parse('the ledger of "{email}" holds {count:d} rows'))
def ledger_holds(ledger: LedgerDriver, email: str, count: int) -> None:
    """Then the ledger of "EMAIL" holds N row(s)

    Example: Then the ledger of "test@demo.com" holds 1 row

    Example: Then the ledger of "test@demo.com" holds 2 rows
    """
    wallet_functions.ledger_holds_rows(ledger, email, count)


@then(
    sentence(
        r'the latest ledger row of "{email}" is a "(?P<kind>[a-z_]+)"'
        r" (?P<direction>credit|debit) of (?P<amount>{money})"
        r" from (?P<before>{money}) to (?P<after>{money})"
    ),
    converters=MONEY,
)
def latest_row_is(
    ledger: LedgerDriver,
    email: str,
    kind: str,
    direction: str,
    amount: int,
    before: int,
    after: int,
) -> None:
    """Then the latest ledger row of "EMAIL" is a "TYPE" credit/debit of MONEY from MONEY to
    MONEY

    Example: Then the latest ledger row of "test@demo.com" is a "topup" credit of £50.00 from
    £0.00 to £50.00

    Example: Then the latest ledger row of "test@demo.com" is a "sms" debit of £0.04 from £1.00
    to £0.96

    TYPE is a row type: `topup`, `adjustment`, `refund` credit; `sms`, `call`, `phone_number`
    debit.
    """
    wallet_functions.latest_row_is(ledger, email, kind, direction, amount, before, after)


@then(parsers.parse('checkout session "{session}" has exactly one top-up row'))
@then(parsers.parse('checkout session "{session}" has exactly one top-up row, for payment "{pi}"'))
def one_topup_row(ledger: LedgerDriver, session: str, pi: str | None = None) -> None:
    """Then checkout session "ID" has exactly one top-up row[, for payment "PI"]

    Example: Then checkout session "cs_test_race" has exactly one top-up row

    Example: Then checkout session "cs_test_1" has exactly one top-up row, for payment "pi_1"
    """
    wallet_functions.one_topup_row(ledger, session, pi)


@then("the last credit reports that it was already applied")
def last_credit_already_applied(outcome: Outcome) -> None:
    """Then the last credit reports that it was already applied

    Example: Then the last credit reports that it was already applied

    Neither refused nor applied: the session had been credited before.
    """
    wallet_functions.credit_already_applied(outcome)


@then(parsers.parse("exactly {count:d} of the credits applied"))
def credits_applied(outcomes: list[Outcome], count: int) -> None:
    """Then exactly N of the credits applied

    Example: Then exactly 1 of the credits applied

    Of the credits made at once; none may be refused.
    """
    wallet_functions.credits_applied(outcomes, count)


@then(parsers.parse('the credit is refused because "{reason}"'))
def credit_refused(outcome: Outcome, reason: str) -> None:
    """Then the credit is refused because "TEXT"

    Example: Then the credit is refused because "cs_test_mine was already credited"

    The database's message contains the text.
    """
    wallet_functions.credit_refused(outcome, reason)


@then("the charge is refused for insufficient funds")
def charge_refused(outcome: Outcome) -> None:
    """Then the charge is refused for insufficient funds

    Example: Then the charge is refused for insufficient funds

    The debit would pass the organisation's debt limit.
    """
    wallet_functions.charge_refused_for_insufficient_funds(outcome)


@then(parsers.parse('the terminal says "{message}"'))
def terminal_says(terminal: subprocess.CompletedProcess[str], message: str) -> None:
    """Then the terminal says "TEXT"

    Example: Then the terminal says "unknown organisation 00000000-0000-4000-8000-000000000000"

    In its standard output or error.
    """
    wallet_functions.terminal_says(terminal, message)


@then("no ledger row was written")
def no_ledger_row(ledger: LedgerDriver) -> None:
    """Then no ledger row was written

    Example: Then no ledger row was written

    In any organisation's ledger.
    """
    wallet_functions.no_ledger_row_written(ledger)
