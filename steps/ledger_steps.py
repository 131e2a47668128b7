"""Steps about the wallet ledger: balances, credits, charges, the terminal credit."""

from __future__ import annotations

import subprocess

from pytest_bdd import given, parsers, then, when

from harness.drivers.ledger import LedgerDriver, Outcome
from harness.money import format_money
from steps.sentences import MONEY
from steps.sentences import sentence as _money


@given(
    _money(r'the organisation "(?P<email>[^"]+)" has a balance of (?P<amount>{money})'),
    converters=MONEY,
)
def organisation_has_balance(ledger: LedgerDriver, email: str, amount: int) -> None:
    ledger.open_balance(email, amount)


@given(
    _money(r'the organisation "(?P<email>[^"]+)" may go (?P<amount>{money}) into debt'),
    converters=MONEY,
)
def organisation_may_go_into_debt(ledger: LedgerDriver, email: str, amount: int) -> None:
    ledger.allow_debt(email, amount)


@when(
    _money(
        r'checkout session "(?P<session>[^"]+)" credits (?P<amount>{money}) to "(?P<email>[^"]+)"'
        r' for payment "(?P<payment>[^"]+)"'
    ),
    target_fixture="outcome",
    converters=MONEY,
)
def checkout_session_credits(
    ledger: LedgerDriver, session: str, amount: int, email: str, payment: str
) -> Outcome:
    return ledger.credit_checkout_session(session, email, amount, payment)


@when(
    _money(
        r'checkout session "(?P<session>[^"]+)" credits (?P<amount>{money}) to "(?P<email>[^"]+)"'
        r" (?P<callers>\d+) times at once"
    ),
    target_fixture="outcomes",
    converters=MONEY,
)
def checkout_session_credits_at_once(
    ledger: LedgerDriver, session: str, amount: int, email: str, callers: str
) -> list[Outcome]:
    return ledger.credit_checkout_session_at_once(session, email, amount, int(callers))


@when(
    _money(r'"(?P<email>[^"]+)" is charged (?P<amount>{money}) for "(?P<kind>[a-z_]+)"'),
    target_fixture="outcome",
    converters=MONEY,
)
def organisation_is_charged(ledger: LedgerDriver, email: str, amount: int, kind: str) -> Outcome:
    return ledger.charge(email, amount, kind)


@when(
    _money(
        r'support credits (?P<amount>{money}) to "(?P<email>[^"]+)" from the terminal'
        r' because "(?P<reason>[^"]+)"'
    ),
    target_fixture="terminal",
    converters=MONEY,
)
def support_credits_by_email(
    ledger: LedgerDriver, amount: int, email: str, reason: str
) -> subprocess.CompletedProcess[str]:
    return ledger.terminal_credit(ledger.org_id(email), amount, reason)


@when(
    _money(
        r'support credits (?P<amount>{money}) to organisation "(?P<org_id>[^"]+)" from the terminal'
    ),
    target_fixture="terminal",
    converters=MONEY,
)
def support_credits_by_id(
    ledger: LedgerDriver, amount: int, org_id: str
) -> subprocess.CompletedProcess[str]:
    return ledger.terminal_credit(org_id, amount, "support credit")


@then(_money(r'the balance of "(?P<email>[^"]+)" is (?P<amount>{money})'), converters=MONEY)
def balance_is(ledger: LedgerDriver, email: str, amount: int) -> None:
    actual = ledger.balance_pence(email)
    assert actual == amount, f"balance of {email} is {format_money(actual)}"


@then(parsers.parse('the ledger of "{email}" holds {count:d} row'))
@then(parsers.parse('the ledger of "{email}" holds {count:d} rows'))
def ledger_holds(ledger: LedgerDriver, email: str, count: int) -> None:
    rows = ledger.rows(email)
    assert len(rows) == count, f"{len(rows)} ledger rows: {rows}"


@then(
    _money(
        r'the latest ledger row of "(?P<email>[^"]+)" is a "(?P<kind>[a-z_]+)"'
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
    rows = ledger.rows(email)
    assert rows, f"{email} has no ledger rows"
    row = rows[-1]
    assert (row.type, row.direction, row.amount_pence) == (kind, direction, amount), row
    assert (row.balance_before_pence, row.balance_after_pence) == (before, after), row


@then(parsers.parse('checkout session "{session}" has exactly one top-up row'))
def one_topup_row(ledger: LedgerDriver, session: str) -> None:
    rows = ledger.topup_rows(session)
    assert len(rows) == 1, f"{len(rows)} top-up rows for {session}: {rows}"


@then(parsers.parse('checkout session "{session}" has exactly one top-up row, for payment "{pi}"'))
def one_topup_row_for_payment(ledger: LedgerDriver, session: str, pi: str) -> None:
    rows = ledger.topup_rows(session)
    assert len(rows) == 1, f"{len(rows)} top-up rows for {session}: {rows}"
    assert rows[0].stripe_payment_intent_id == pi, rows[0]


@then("the last credit reports that it was already applied")
def last_credit_already_applied(outcome: Outcome) -> None:
    assert not outcome.refused, outcome.reason
    assert not outcome.applied, "the credit applied a second time"


@then(parsers.parse("exactly {count:d} of the credits applied"))
def credits_applied(outcomes: list[Outcome], count: int) -> None:
    refused = [o for o in outcomes if o.refused]
    assert not refused, f"refused: {refused[:3]}"
    assert sum(o.applied for o in outcomes) == count


@then(parsers.parse('the credit is refused because "{reason}"'))
def credit_refused(outcome: Outcome, reason: str) -> None:
    assert outcome.refused, f"the credit was not refused: {outcome}"
    assert reason in (outcome.reason or ""), outcome.reason


@then("the charge is refused for insufficient funds")
def charge_refused(outcome: Outcome) -> None:
    assert outcome.sqlstate == "WL001", f"expected insufficient funds, got {outcome}"


@then(parsers.parse('the terminal says "{message}"'))
def terminal_says(terminal: subprocess.CompletedProcess[str], message: str) -> None:
    output = terminal.stdout + terminal.stderr
    assert message in output, output


@then("no ledger row was written")
def no_ledger_row(ledger: LedgerDriver) -> None:
    assert ledger.row_count() == 0
