"""The simulation on the real stack, both ways: hundreds of top-ups under about 30% webhook
faults and faults on the app's own Stripe calls keep every invariant on the healthy app (CI
also runs ``wallet-harness simulate`` with a thousand, ``tox -e simulation``); each of the
seven defects breaks the invariant that names it; a failure shrinks to one plain history, or
to the one API fault that matters; the same seed replays the same run (the same histories,
faults, deliveries and outcomes), also when played from two driver processes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness.simulation.plan import DEFAULT_MIX, parse_mix
from harness.simulation.report import write_report
from harness.simulation.shrink import shrink
from harness.simulation.simulate import Options, Outcome, counts, simulate
from harness.stack.pool import StackPool

MIX = parse_mix(DEFAULT_MIX)
CAUGHT_BY = {
    "non-idempotent-credit": "paid credited once",
    "lost-update": "ledger sound",
    "credits-unpaid-sessions": "unpaid never credited",
    "ignores-async-success": "acknowledged means credited",
    "ledger-row-missing": "ledger sound",
    # Stripe's API failing: a refused creation answered with a bare 500; a read that failed for
    # now taken as final, the job given up after its webhook was acknowledged
    "checkout-error-unhandled": "customer answers",
    "stripe-error-not-retried": "acknowledged means credited",
}


def run(pool: StackPool, defects: tuple[str, ...] = (), **changes: Any) -> Outcome:
    options = Options(seed=11, orgs=10, topups=150, mix=MIX, worker_restarts=1)
    return simulate(pool.get(defects), replace(options, **changes))


def test_hundreds_of_faulted_top_ups_keep_every_invariant(wallet_stacks: StackPool) -> None:
    outcome = run(wallet_stacks, topups=300, orgs=10, worker_restarts=3)
    figures = counts(outcome)

    assert outcome.violations == []
    assert len(outcome.played) == 300
    assert 0.2 <= figures["faulted top-ups"]["with a fault"] / 300 <= 0.4
    assert set(outcome.injected) >= {"drop", "duplicate", "delay", "fail", "reorder", "reissue"}
    assert set(figures["paths"]) == {"webhook", "landing", "reconcile"}  # every path did work
    assert outcome.worker_restarts == 3
    paid = sum(session.paid for session in outcome.truth.values())
    assert sum(figures["paths"].values()) == paid  # each paid session credited by one path
    # the app's Stripe calls failed too: creations (some refused, the customer told), reads
    assert figures["api faults"]["create"] >= 3
    assert figures["api faults"]["read"] >= 10
    assert figures["refused"]["at creation"] >= 1
    assert figures["sweeps"]["run"] >= 1


@pytest.mark.parametrize("defect", sorted(CAUGHT_BY))
def test_each_defect_breaks_the_invariant_that_names_it(
    wallet_stacks: StackPool, defect: str
) -> None:
    small = {"topups": 40, "orgs": 2} if defect == "lost-update" else {}  # 0.5 s per credit
    outcome = run(wallet_stacks, (defect,), **small)

    assert CAUGHT_BY[defect] in {violation.invariant for violation in outcome.violations}


def test_a_failure_shrinks_to_one_plain_history(wallet_stacks: StackPool) -> None:
    outcome = run(wallet_stacks, ("credits-unpaid-sessions",))
    stack = wallet_stacks.get(("credits-unpaid-sessions",))

    smallest = shrink(stack, outcome.options, outcome.failing_histories(), outcome.violations)

    assert len(smallest.histories) == 1
    (history,) = smallest.histories
    assert history.outcome == "bank_debit_fails"
    assert history.faults == ()
    assert not history.lands
    assert {v.invariant for v in smallest.violations} == {"unpaid never credited"}


def test_a_refused_creation_shrinks_to_its_one_api_fault(wallet_stacks: StackPool) -> None:
    outcome = run(wallet_stacks, ("checkout-error-unhandled",), topups=120)
    stack = wallet_stacks.get(("checkout-error-unhandled",))

    smallest = shrink(stack, outcome.options, outcome.failing_histories(), outcome.violations)

    (history,) = smallest.histories
    assert history.faults == ()
    assert [fault.call for fault in history.api_faults] == ["create"]
    assert {v.invariant for v in smallest.violations} == {"customer answers"}


def test_the_same_seed_replays_the_same_run(wallet_stacks: StackPool, tmp_path: Path) -> None:
    first, again = run(wallet_stacks, topups=80), run(wallet_stacks, topups=80)

    assert [p.history for p in first.played] == [p.history for p in again.played]
    assert first.injected == again.injected
    # each history's API faults too (the sweep's list faults are drawn per request, whose
    # query holds the clock's time: those may differ)
    for call in ("create", "read"):
        assert counts(first)["api faults"][call] == counts(again)["api faults"][call], call
    assert counts(first)["refused"] == counts(again)["refused"]
    first_counts, again_counts = counts(first), counts(again)
    for figure in ("outcomes", "deliveries", "faulted top-ups"):
        assert first_counts[figure] == again_counts[figure], figure
    # which path credits a landed top-up first (the landing check or the webhook) is a race
    # between real processes; how many top-ups were credited is not
    assert len(first.paths) == len(again.paths)

    # played from two driver processes, the same run again
    split = run(wallet_stacks, topups=80, drivers=2, concurrency=4)
    assert split.violations == []
    assert [p.history for p in split.played] == [p.history for p in first.played]
    assert split.injected == first.injected
    assert counts(split)["outcomes"] == first_counts["outcomes"]
    assert split.worker_restarts == first.worker_restarts == 1

    report = tmp_path / "simulation.html"
    write_report(report, first, "wallet-harness simulate --seed 11")
    text = report.read_text()
    assert "<svg" in text
    assert "every invariant holds" in text
    assert "--seed 11" in text
