"""The state machine over the real stack: it finds nothing wrong with the healthy app, and it
catches each of the five defects the issue names, saying which invariant broke. Derandomized
with a fixed budget, so CI runs the same schedules every time."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, Phase, settings

from harness.simulation.stateful import InvariantBroken, run_machine
from harness.stack_pool import StackPool

BUDGET = settings(
    max_examples=15,
    stateful_step_count=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
FIND_ONLY = settings(BUDGET, phases=(Phase.explicit, Phase.generate))

CAUGHT_BY = {
    "non-idempotent-credit": "paid credited once",
    "lost-update": "ledger sound",
    "credits-unpaid-sessions": "unpaid never credited",
    "ignores-async-success": "acknowledged means credited",
    "ledger-row-missing": "ledger sound",
}


def test_the_healthy_app_keeps_every_invariant(wallet_stacks: StackPool) -> None:
    run_machine(wallet_stacks.get(()), BUDGET)


@pytest.mark.parametrize("defect", sorted(CAUGHT_BY))
def test_each_defect_breaks_the_invariant_that_names_it(
    wallet_stacks: StackPool, defect: str
) -> None:
    with pytest.raises(InvariantBroken) as caught:
        run_machine(wallet_stacks.get((defect,)), FIND_ONLY)

    assert CAUGHT_BY[defect] in {v.invariant for v in caught.value.violations}


def test_a_failure_shrinks_to_the_steps_that_matter(wallet_stacks: StackPool) -> None:
    """With shrinking on, crediting an unpaid bank debit comes down to: open a top-up, pay it
    by bank debit (a short schedule keeps the shrinking quick)."""
    with pytest.raises(InvariantBroken) as caught:
        run_machine(
            wallet_stacks.get(("credits-unpaid-sessions",)), settings(BUDGET, stateful_step_count=3)
        )

    notes = "\n".join(getattr(caught.value, "__notes__", []))
    steps = [
        step
        for step in re.findall(r"^state\.(\w+)\(", notes, flags=re.MULTILINE)
        if step not in ("nothing_credited_twice_or_unpaid_and_the_ledger_sound", "teardown")
    ]
    assert steps == ["pay_by_bank_debit"] or steps == ["create", "pay_by_bank_debit"], notes
