"""The app's ledger on the running stack, against what the scenario did and what Stripe says.

Each check waits until the stack is quiet, then reads the ledger (read-only SQL through
``Records``) and Stripe's record of the payments.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.drivers.records import Records
from harness.money import format_money
from harness.records.ledger_chain import chain_breaks, describe
from harness.scenario import Scenario

# what a failed check here is about, when no stage of the flow broke (harness.diagnosis.blame)
FAILURE_STAGE = "ledger"
FAILURE_STAGES = {"wallet_holds": "balance"}


def wallet_holds(scenario: Scenario, records: Records, email: str, amount: int) -> None:
    """The balance of ``email``'s organisation is ``amount`` pence."""
    scenario.wait_until_quiet()
    actual = records.balance_pence(email)
    if actual != amount:
        raise AssertionError(f"the wallet of {email} holds {format_money(actual)}")


def ledger_is_empty(scenario: Scenario, records: Records, email: str) -> None:
    scenario.wait_until_quiet()
    rows = records.ledger(email)
    if rows:
        raise AssertionError(f"the ledger of {email} has {len(rows)} row(s): {rows}")


def topup_credited_once(
    scenario: Scenario, records: Records, email: str, amount: int, before: int, after: int
) -> None:
    """The scenario's latest payment has exactly one ledger row: a top-up credit of ``amount``
    from ``before`` to ``after``, to ``email``'s organisation, naming the PaymentIntent that
    Stripe names for the session."""
    scenario.wait_until_quiet()
    session_id = scenario.latest_session
    rows = records.topup_rows(session_id)
    if len(rows) != 1:
        raise AssertionError(f"{len(rows)} top-up rows for {session_id}: {rows}")
    row = rows[0]
    expected = ("topup", "credit", amount, before, after)
    if row.movement != expected:
        raise AssertionError(f"the top-up row is {row.movement}, expected {expected}")
    intent = records.stripe_session(session_id).payment_intent
    if not intent:
        raise AssertionError(f"Stripe has no PaymentIntent for {session_id}")
    if not intent.startswith("pi_"):
        raise AssertionError(intent)
    if row.stripe_payment_intent_id != intent:
        raise AssertionError(
            f"the row names payment {row.stripe_payment_intent_id}, Stripe says {intent}"
        )
    if row.org_id != scenario.stack.account(email).org_id:
        raise AssertionError(f"credited to {row.org_id}, not {email}'s org")


def topup_credits_chained(
    scenario: Scenario,
    records: Records,
    email: str,
    amounts: Sequence[int],
    before: int,
    after: int,
) -> None:
    """``email``'s ledger holds only top-up credits of ``amounts``, in either order (the worker
    credits them at once), each row starting where the one before it ended, from ``before`` to
    ``after``, each for one of the scenario's payments, as Stripe names it."""
    scenario.wait_until_quiet()
    rows = records.ledger(email)
    shown = describe(rows)
    if {(row.type, row.direction) for row in rows} != {("topup", "credit")}:
        raise AssertionError(f"the ledger of {email} holds more than top-up credits:\n{shown}")
    if sorted(row.amount_pence for row in rows) != sorted(amounts):
        raise AssertionError(f"the ledger of {email} holds:\n{shown}")
    breaks = chain_breaks(rows, before)
    if breaks:
        raise AssertionError("the balance chain breaks: " + "; ".join(breaks) + f"\n{shown}")
    end = rows[-1].balance_after_pence
    if end != after:
        raise AssertionError(f"the chain ends at {format_money(end)}:\n{shown}")
    sessions = sorted(str(row.stripe_checkout_session_id) for row in rows)
    if sessions != sorted(scenario.session_ids):
        raise AssertionError(
            f"the rows are for {sessions}, the payments were {scenario.session_ids}"
        )
    for row in rows:
        intent = records.stripe_session(str(row.stripe_checkout_session_id)).payment_intent
        if not intent:
            raise AssertionError(
                f"Stripe has no PaymentIntent for {row.stripe_checkout_session_id}"
            )
        if row.stripe_payment_intent_id != intent:
            raise AssertionError(
                f"the row for {row.stripe_checkout_session_id} names payment"
                f" {row.stripe_payment_intent_id}, Stripe says {intent}"
            )


def payment_not_credited(scenario: Scenario, records: Records) -> None:
    """No ledger row for the scenario's latest payment, and the app does not call it credited."""
    scenario.wait_until_quiet()
    session_id = scenario.latest_session
    rows = records.topup_rows(session_id)
    if rows:
        raise AssertionError(f"{len(rows)} top-up rows for {session_id}: {rows}")
    record = records.topup(session_id) if records.observes("fulfilment") else None
    if record is not None and record.status == "credited":
        raise AssertionError(
            f"the top-up is credited, by {record.fulfilled_by}, without a ledger row"
        )


def one_topup_row_for_latest(scenario: Scenario, records: Records) -> None:
    """The scenario's latest payment has exactly one top-up row."""
    scenario.wait_until_quiet()
    session_id = scenario.latest_session
    rows = records.topup_rows(session_id)
    if len(rows) != 1:
        raise AssertionError(f"{len(rows)} top-up rows for {session_id}: {rows}")


def one_topup_row_per_payment(scenario: Scenario, records: Records) -> None:
    scenario.wait_until_quiet()
    counts = {session: len(records.topup_rows(session)) for session in scenario.session_ids}
    if not counts:
        raise AssertionError("no top-up was started in this scenario")
    if set(counts.values()) != {1}:
        raise AssertionError(f"top-up rows per payment: {counts}")
