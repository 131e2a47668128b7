"""From a failed simulation to the fewest, simplest top-up histories that still fail.

Each try replays a handful of histories on the reset stack (about a second). First each failing
history alone; if none fails alone (a race needs company: two credits at once), the failing
ones together, then halves of them. The survivor is then simplified one step at a time (a fault
fewer, no landing) while it still fails. A bounded number of tries keeps it to a minute or so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from harness.simulation.invariants import Violation
from harness.simulation.plan import History
from harness.simulation.simulate import Options, simulate
from harness.stack.wallet_stack import WalletStack

MAX_TRIES = 24
MAX_TOGETHER = 16  # failing histories replayed at once when none fails alone


@dataclass(frozen=True)
class Shrunk:
    histories: list[History]
    violations: list[Violation]
    tries: int


class _Replayer:
    """Replays histories; a replay counts as failing when it breaks one of ``wanted``, the
    invariants the original run broke (a smaller case must fail the same way)."""

    def __init__(self, stack: WalletStack, options: Options, wanted: set[str]) -> None:
        self.stack = stack
        self.wanted = wanted
        # replays keep the plan's organisations; several at once race as in the full run
        self.options = replace(options, worker_restarts=0, only=None)
        self.tries = 0

    def fails(self, histories: list[History]) -> list[Violation]:
        self.tries += 1
        outcome = simulate(
            self.stack, replace(self.options, concurrency=max(2, len(histories))), histories
        )
        return [v for v in outcome.violations if v.invariant in self.wanted]

    def spent(self) -> bool:
        return self.tries >= MAX_TRIES


def shrink(
    stack: WalletStack, options: Options, failing: list[History], violations: list[Violation]
) -> Shrunk:
    """``failing``: the histories the run's ``violations`` point at. Returns the smallest set
    found that breaks the same invariants (the input itself when none does within the budget)."""
    replayer = _Replayer(stack, options, {violation.invariant for violation in violations})
    best, found = _smallest_set(replayer, failing)
    if not found:
        return Shrunk(failing, [], replayer.tries)
    best, found = _simplest(replayer, best, found)
    return Shrunk(best, found, replayer.tries)


def _smallest_set(
    replayer: _Replayer, failing: list[History]
) -> tuple[list[History], list[Violation]]:
    for history in failing[: MAX_TRIES // 2]:
        if replayer.spent():
            break
        if found := replayer.fails([history]):
            return [history], found
    together = failing[:MAX_TOGETHER]
    violations = replayer.fails(together) if not replayer.spent() else []
    if not violations:
        return failing, []
    while len(together) > 2 and not replayer.spent():
        half = len(together) // 2
        for part in (together[:half], together[half:]):
            if len(part) >= 2 and (found := replayer.fails(part)):
                together, violations = part, found
                break
        else:
            break
    return together, violations


def _simplest(
    replayer: _Replayer, histories: list[History], violations: list[Violation]
) -> tuple[list[History], list[Violation]]:
    """One step simpler at a time (a fault fewer, no landing) while the replay still fails."""
    improved = True
    while improved and not replayer.spent():
        improved = False
        for position, history in enumerate(histories):
            for simpler in history.simpler():
                if replayer.spent():
                    return histories, violations
                candidate = [*histories[:position], simpler, *histories[position + 1 :]]
                if found := replayer.fails(candidate):
                    histories, violations, improved = candidate, found, True
                    break
            if improved:
                break
    return histories, violations
