"""The state machine over the real stack: it finds nothing wrong with the healthy app, and it
catches each of the five defects the issue names, saying which invariant broke; with the
nemesis among its steps (the worker or the web process killed, the database restarted), the
healthy app still keeps every invariant. Derandomized with a fixed budget, so CI runs the same
schedules every time."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from harness.profile.loading import LoadedProfile
from harness.simulation.stateful import InvariantBroken, broken_invariants, run_machine
from harness.stack.pool import StackPool
from harness.stack.standalone import standalone_stack

BUDGET = settings(
    max_examples=15,
    stateful_step_count=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    # one break can surface at two lines (the invariant after a step, or the check at the end);
    # Hypothesis would then raise both in a group: report the one it shrank
    report_multiple_bugs=False,
)
# against a defect the run stops at the first failure, so a larger budget costs only when a
# defect goes unseen
# a defect is usually found within the first 40 schedules; the rest are for a loaded machine,
# where a race or a late delivery may need more schedules to show (tried only until one does)
FIND_ONLY = settings(BUDGET, max_examples=100, phases=(Phase.explicit, Phase.generate))
# four schedules: kill-web 3 times and kill-worker once (its job then waits ~10 s for the app's
# stalled-job sweep, the profile's JOB_STALLED_AFTER_SECONDS), or restart-db 4 times; ~40 s each
NEMESIS_BUDGET = settings(BUDGET, max_examples=4)
# the cheaper first: Hypothesis draws the first kind more often than the last
KILLS = ("kill-web", "kill-worker")

INVARIANT = "nothing_lost_doubled_or_unpaid_and_the_ledger_sound"
CAUGHT_BY = {
    "non-idempotent-credit": "paid credited once",
    "lost-update": "ledger sound",
    "credits-unpaid-sessions": "unpaid never credited",
    "ignores-async-success": "acknowledged means credited",
    "ledger-row-missing": "ledger sound",
}
# the schedules each defect is looked for with: the machine's own seed, except where another
# finds the break within the first few schedules (found by trying seeds 1, 2, 3, ... with eight
# schedules each). Speed only: the budget above is still there for a machine that changed.
# At the default seed a bank debit's settlement took about 45 schedules (130 s) to come up;
# the lost update shows in 9-10 s at seed 6 against 15 s at seed 1 (two runs each, 2026-12-05);
# a second credit of one payment after 4 schedules (8-9 s, three runs) at seed 11, against 27 at
# seed 1 (63 s here, 69 s in a CI run), and none within the budget at seeds 5 and 12.
SEEDS = {"ignores-async-success": 3, "lost-update": 6, "non-idempotent-credit": 11}


def test_the_healthy_app_keeps_every_invariant(wallet_stacks: StackPool) -> None:
    run_machine(wallet_stacks.get(()), BUDGET)


@pytest.mark.parametrize("defect", sorted(CAUGHT_BY))
def test_each_defect_breaks_the_invariant_that_names_it(
    wallet_stacks: StackPool, defect: str
) -> None:
    # a race (two credits at once) may not repeat on Hypothesis' final replay: run_machine then
    # reports what the run saw break (InvariantBrokenOnce)
    with pytest.raises(InvariantBroken) as caught:
        run_machine(wallet_stacks.get((defect,)), FIND_ONLY, schedules_seed=SEEDS.get(defect, 1))

    assert CAUGHT_BY[defect] in broken_invariants(caught.value)


def test_a_failure_shrinks_to_the_steps_that_matter(wallet_stacks: StackPool) -> None:
    """With shrinking on, crediting an unpaid session comes down to one step after the first
    top-up opens: pay it by bank debit, or land on its success page unpaid. Schedules of two
    steps keep the shrinking to seconds; the budget above finds longer ones."""
    with pytest.raises(InvariantBroken) as caught:
        run_machine(
            wallet_stacks.get(("credits-unpaid-sessions",)),
            settings(BUDGET, stateful_step_count=2, max_examples=40),
        )

    notes = "\n".join(getattr(caught.value, "__notes__", []))
    steps = re.findall(r"^(?:\w+ = )?state\.(\w+)\(", notes, flags=re.MULTILINE)
    steps = [step for step in steps if step not in (INVARIANT, "teardown")]
    assert steps[0] == "a_customer_opens_checkout", notes
    assert len(steps) == 2, notes
    assert steps[1] in ("pay_by_bank_debit", "land_on_the_success_page"), notes
    assert broken_invariants(caught.value) == {"unpaid never credited"}


def test_the_healthy_app_keeps_every_invariant_under_the_nemesis(
    wallet_stacks: StackPool,
) -> None:
    """The worker killed mid-job and the web process killed with a payment on its way, among
    the other steps; the counts show that the blows were struck."""
    struck = run_machine(wallet_stacks.get(()), NEMESIS_BUDGET, nemesis=KILLS)

    assert all(struck[kind] > 0 for kind in KILLS), struck


def test_the_healthy_app_keeps_every_invariant_through_database_restarts(
    request: pytest.FixtureRequest, wallet_app_profile: LoadedProfile, tmp_path: Path
) -> None:
    """``pg_ctl restart`` among the steps, on a stack with a database server of its own: a
    restart of the session's would cut every other stack's connections. A server the harness
    does not run (``--wallet-db-url``, Docker) it cannot restart."""
    db_url = request.config.getoption("wallet_db_url")
    with standalone_stack(db_url, (), tmp_path, wallet_app_profile) as stack:
        if stack.config.restart_database is None:
            pytest.skip("restart-db needs a database server the harness runs (local binaries)")
        struck = run_machine(stack, NEMESIS_BUDGET, nemesis=("restart-db",))

    assert struck["restart-db"] > 0, struck
