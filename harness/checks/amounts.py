"""An amount as a customer typed it, followed penny for penny: what the hosted Checkout page
showed, the Checkout Session's ``amount_total``, its PaymentIntent's ``amount``, the ledger row
and the dashboard (balance and newest transaction) must all say the same pence; and an amount
the app refuses is refused on the dashboard with the app's message, with nothing created at
Stripe and nothing credited.

The first place a wrong amount shows is the Checkout Session the app created for it, so a
failure here is about the ``session`` stage (``harness.diagnosis.blame``)."""

from __future__ import annotations

from dataclasses import dataclass

from harness.drivers.customer import Customer
from harness.drivers.records import Records
from harness.money import format_money
from harness.records.stripe import stripe_sessions
from harness.scenario import Scenario

# what a failed check here is about, when no stage of the flow broke (harness.diagnosis.blame)
FAILURE_STAGE = "session"


class AmountsDisagree(AssertionError):
    """Two records of one payment say different amounts; the message lists every one."""


@dataclass(frozen=True)
class AmountTrail:
    """One payment's amount as each part recorded it, in pence (None: not found)."""

    session_id: str
    checkout_page: str | None  # the total the hosted page showed, as written there
    session_total: int | None
    intent_amount: int | None
    ledger_amount: int | None
    balance_after: int | None  # the ledger row's balance after it

    def lines(self) -> list[str]:
        def money(pence: int | None) -> str:
            return "none" if pence is None else f"{format_money(pence)} ({pence})"

        return [
            f"checkout page showed: {self.checkout_page or 'nothing'}",
            f"Checkout Session amount_total: {money(self.session_total)}",
            f"PaymentIntent amount: {money(self.intent_amount)}",
            f"ledger row amount: {money(self.ledger_amount)}",
        ]


def amount_trail(scenario: Scenario, records: Records, customer: Customer) -> AmountTrail:
    """The latest payment's amount at every stage, once the stack is quiet."""
    scenario.wait_until_quiet()
    session_id = scenario.latest_session
    session = records.stripe_session(session_id)
    intent_amount = None
    if session.payment_intent:
        intent = scenario.stack.stripe.v1.payment_intents.retrieve(session.payment_intent)
        intent_amount = int(intent.amount)
    rows = records.topup_rows(session_id)
    if len(rows) > 1:
        raise AmountsDisagree(f"{len(rows)} top-up rows for {session_id}: {rows}")
    row = rows[0] if rows else None
    return AmountTrail(
        session_id=session_id,
        checkout_page=customer.checkout_amounts.get(session_id),
        session_total=session.amount_total,
        intent_amount=intent_amount,
        ledger_amount=None if row is None else row.amount_pence,
        balance_after=None if row is None else row.balance_after_pence,
    )


def typed_amount_agrees(
    scenario: Scenario, records: Records, email: str, typed: str, amount: int
) -> None:
    """``email`` typed ``typed`` and paid: the checkout page showed ``amount`` pence, Stripe's
    session and PaymentIntent are for ``amount``, the one ledger row credits ``amount`` to the
    balance the wallet holds, and the dashboard shows that balance and the top-up's row."""
    customer = scenario.customer(email)
    trail = amount_trail(scenario, records, customer)
    shown = format_money(amount)
    wrong = [
        name
        for name, value, expected in (
            ("checkout page", trail.checkout_page, shown),
            ("Checkout Session", trail.session_total, amount),
            ("PaymentIntent", trail.intent_amount, amount),
            ("ledger row", trail.ledger_amount, amount),
        )
        if value != expected
    ]
    if wrong:
        raise AmountsDisagree(
            f"typed {typed!r}, expected {shown} ({amount} pence) everywhere; wrong at "
            + ", ".join(wrong)
            + ":\n  "
            + "\n  ".join(trail.lines())
        )
    balance = records.balance_pence(email)
    if balance != trail.balance_after:
        raise AmountsDisagree(
            f"the wallet holds {format_money(balance)}, the ledger row says"
            f" {format_money(trail.balance_after or 0)} after the top-up"
        )
    dashboard = customer.dashboard
    scenario.expect_settled(lambda ms: dashboard.expect_balance(dashboard.money(balance), ms))
    row = f"Top-up +{dashboard.money(amount)}"
    scenario.expect_settled(lambda ms: dashboard.expect_top_row(row, ms))


def typed_amount_refused(scenario: Scenario, records: Records, email: str, message: str) -> None:
    """``email``'s typed amount was refused: the dashboard shows ``message``, the customer was
    sent to no Checkout page, Stripe holds no Checkout Session for the organisation, and the
    ledger has no top-up row for it."""
    scenario.customer(email).dashboard.expect_error(message)
    nothing_started(scenario, records, email, "a refused amount")


def nothing_started(scenario: Scenario, records: Records, email: str, what: str) -> None:
    """``email``'s customer was sent to no Checkout page, Stripe holds no Checkout Session for
    the organisation (so nothing was charged), and the ledger has no top-up row for it;
    ``what`` names the attempt in the assertion's message."""
    customer = scenario.customer(email)
    if customer.session_ids:
        raise AssertionError(f"the customer was sent to Checkout: {customer.session_ids}")
    org_id = scenario.stack.account(email).org_id
    created = [s for s in stripe_sessions(scenario.stack.stripe) if s.org_id == org_id]
    if created:
        totals = ", ".join(f"{s.id} {format_money(s.amount_pence)}" for s in created)
        raise AssertionError(f"{what} created a Checkout Session at Stripe: {totals}")
    scenario.wait_until_quiet()
    credited = [row for row in records.ledger(email) if row.type == "topup"]
    if credited:
        raise AssertionError(f"{what} was credited: {credited}")
