"""``run_machine`` when Hypothesis cannot replay a failure: a race between real processes need
not repeat. What the run saw break is reported; a flaky replay with nothing broken is not
hidden."""

from __future__ import annotations

from typing import Any, cast

import pytest
from hypothesis.errors import FlakyStrategyDefinition

from harness.simulation import stateful
from harness.simulation.invariants import Violation
from harness.simulation.stateful import InvariantBroken, InvariantBrokenOnce, run_machine
from harness.stack.wallet_stack import WalletStack

LOST = Violation("ledger sound", "org 1", "balance 5000, credits - debits 10000")
NO_STACK = cast(WalletStack, object())  # the machine never starts: Hypothesis is stood in for


def hypothesis_that(*, breaks: bool) -> Any:
    """Stands in for ``run_state_machine_as_test``: one schedule broke an invariant (or not),
    then the replay drew differently, as when the race did not happen again."""

    def run(machine: type[stateful.WalletMachine], settings: object) -> None:
        if breaks:
            machine.seen.append(InvariantBroken([LOST]))
        raise FlakyStrategyDefinition("the second run stopped drawing earlier than the first")

    return run


def test_a_break_the_replay_missed_is_reported_with_what_the_run_saw(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stateful, "run_state_machine_as_test", hypothesis_that(breaks=True))

    with pytest.raises(InvariantBrokenOnce) as caught:
        run_machine(NO_STACK, stateful.settings())

    assert caught.value.violations == [LOST]
    assert stateful.broken_invariants(caught.value) == {"ledger sound"}
    assert "its replay did not repeat the race" in str(caught.value)


def test_a_flaky_replay_with_nothing_broken_is_raised_as_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stateful, "run_state_machine_as_test", hypothesis_that(breaks=False))

    with pytest.raises(FlakyStrategyDefinition):
        run_machine(NO_STACK, stateful.settings())
