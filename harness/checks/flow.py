"""What must hold after every scenario, whatever happened to the webhooks on the way.

Against the truth kept outside the app (Stripe's record of which sessions were paid, for how
much, for which organisation), once the stack is quiet:

- the ledger invariants (``harness.records.ledger_invariants``): balance = credits - debits, an
  unbroken balance chain, row arithmetic, at most one top-up row per session;
- exactly one top-up row per paid session that names an organisation (a session created outside
  the app names none), for its amount, to its organisation; where none was written yet, the
  app's own reconciliation sweep runs once first (a lost webhook is repaired by that design),
  and only a session it cannot repair counts as lost;
- no top-up row for a session Stripe does not call paid.
"""

from __future__ import annotations

from harness.records.flow import NEVER_CREDITED, flow_problems
from harness.records.stripe import stripe_sessions
from harness.scenario import Scenario

# what a failed check here is about, when no stage of the flow broke (harness.diagnosis.blame)
FAILURE_STAGE = "ledger"


class FlowInvariantError(AssertionError):
    """Money was lost, doubled or misplaced; the message lists each case."""


def assert_flow_sound(scenario: Scenario) -> None:
    scenario.wait_until_quiet()
    problems = _problems(scenario)
    if any(problem.startswith(NEVER_CREDITED) for problem in problems):
        scenario.stack.reconcile()
        scenario.wait_until_quiet()
        problems = _problems(scenario)
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        raise FlowInvariantError(f"after the scenario, the money does not add up:\n{lines}")


def _problems(scenario: Scenario) -> list[str]:
    with scenario.stack.connect() as conn:
        return flow_problems(conn, scenario.stack.ledger, stripe_sessions(scenario.stack.stripe))
