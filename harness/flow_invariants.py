"""What must hold after every scenario, whatever happened to the webhooks on the way.

Against the truth kept outside the app (Stripe's record of which sessions were paid, for how
much, for which organisation), once the stack is quiet:

- the ledger invariants (``harness.ledger_invariants``): balance = credits - debits, an unbroken
  balance chain, row arithmetic, at most one top-up row per session;
- exactly one top-up row per paid session that names an organisation (a session created outside
  the app names none), for its amount, to its organisation; where none was
  written yet, the app's own reconciliation sweep runs once first (a lost webhook is repaired by
  that design), and only a session it cannot repair counts as lost;
- no top-up row for a session Stripe does not call paid.
"""

from __future__ import annotations

from dataclasses import dataclass

from stripe import StripeClient

from harness import ledger_queries
from harness.ledger_invariants import check_ledger
from harness.money import format_money
from harness.scenario import Scenario


@dataclass(frozen=True)
class StripeSession:
    id: str
    paid: bool
    amount_pence: int
    org_id: str | None


class FlowInvariantError(AssertionError):
    """Money was lost, doubled or misplaced; the message lists each case."""


def assert_flow_sound(scenario: Scenario) -> None:
    scenario.wait_until_quiet()
    problems = _problems(scenario)
    if any(problem.startswith("paid, never credited") for problem in problems):
        scenario.stack.reconcile()
        scenario.wait_until_quiet()
        problems = _problems(scenario)
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        raise FlowInvariantError(f"after the scenario, the money does not add up:\n{lines}")


def _problems(scenario: Scenario) -> list[str]:
    with scenario.stack.connect() as conn:
        problems = [str(violation) for violation in check_ledger(conn)]
        for session in stripe_sessions(scenario.stack.stripe):
            rows = ledger_queries.topup_rows(conn, session.id)
            if not session.paid:
                if rows:
                    problems.append(f"credited, never paid: {session.id} has {len(rows)} row(s)")
                continue
            if not rows and session.org_id is None:
                continue  # not a wallet top-up: nothing the app could credit it to
            if not rows:
                problems.append(
                    f"paid, never credited: {session.id} ({format_money(session.amount_pence)})"
                )
                continue
            row = rows[0]  # more than one is a ledger violation above
            if row.amount_pence != session.amount_pence:
                problems.append(
                    f"wrong amount: {session.id} paid {format_money(session.amount_pence)},"
                    f" credited {format_money(row.amount_pence)}"
                )
            if session.org_id is not None and row.org_id != session.org_id:
                problems.append(
                    f"wrong organisation: {session.id} was for {session.org_id},"
                    f" credited to {row.org_id}"
                )
    return problems


def stripe_sessions(stripe: StripeClient) -> list[StripeSession]:
    """Every Checkout Session the fake holds, as Stripe's list API pages them."""
    sessions = stripe.v1.checkout.sessions.list({"limit": 100})
    return [
        StripeSession(
            id=session.id,
            paid=session.payment_status in ("paid", "no_payment_required"),
            amount_pence=int(session.amount_total or 0),
            org_id=session.client_reference_id,
        )
        for session in sessions.auto_paging_iter()
    ]
