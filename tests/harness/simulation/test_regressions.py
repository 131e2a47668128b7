"""Schedules the state machine shrank failures to, kept as plain tests on the healthy app:
each replays the shrunk steps through the same machine, with its invariants."""

from __future__ import annotations

from harness.simulation.stateful import machine_for
from harness.stack.pool import StackPool


def test_two_top_ups_of_one_organisation_paid_at_once_are_both_credited(
    wallet_stacks: StackPool,
) -> None:
    """Shrunk from ledger-row-missing and lost-update: two webhooks for one wallet at once."""
    state = machine_for(wallet_stacks.get(()))()
    state.two_top_ups_paid_at_once(amount=500, org=0)
    state.nothing_lost_doubled_or_unpaid_and_the_ledger_sound()
    state.teardown()


def test_a_paid_top_up_landed_on_twice_while_its_webhook_is_duplicated_credits_once(
    wallet_stacks: StackPool,
) -> None:
    """Shrunk from non-idempotent-credit: the landing page and the webhook both fulfil."""
    state = machine_for(wallet_stacks.get(()))()
    session = state.create(org=0, amount=500)
    state.fault_its_webhook(fault="duplicate x3 at once")
    state.pay_by_card(lands=True)
    state.land_on_the_success_page(topup=session)
    state.nothing_lost_doubled_or_unpaid_and_the_ledger_sound()
    state.teardown()


def test_an_unpaid_bank_debit_is_not_credited_until_it_settles(wallet_stacks: StackPool) -> None:
    """Shrunk from credits-unpaid-sessions (also: landing on an unpaid session) and
    ignores-async-success."""
    state = machine_for(wallet_stacks.get(()))()
    session = state.create(org=1, amount=2500)
    state.land_on_the_success_page(topup=session)
    state.nothing_lost_doubled_or_unpaid_and_the_ledger_sound()
    state.pay_by_bank_debit(settles=True)
    state.land_on_the_success_page(topup=session)
    state.nothing_lost_doubled_or_unpaid_and_the_ledger_sound()
    state.advance_the_clock(hours=24)
    state.nothing_lost_doubled_or_unpaid_and_the_ledger_sound()
    state.teardown()
