"""Plays the simulation's top-ups on a running stack, several at once (``player`` plays each),
and does to the stack what only the process that runs it can: the worker is restarted now and
then while payments go on, and a nemesis, when asked for, crashes processes and restarts the
database (``nemesis``).

The top-ups are played on threads of this process, or with ``drivers`` above 1 from that many
driver processes (``drivers``). Either way the restarts and the nemesis's blows happen here:
before a chosen top-up on threads, once that many top-ups are done with driver processes.

Nothing here judges the outcome (``invariants`` does); an answer that is not what a customer
would get is noted on the top-up, and the run goes on, unless the stack itself broke: every
process must still run (``WalletStack.check_alive``, before each top-up on threads, every
``drivers.WATCH_SECONDS`` with driver processes), and after a top-up that went wrong the
database must still answer (``check_database``). Either stops the run, named.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import httpx

from fake_stripe.client import FakeStripeControl
from harness.simulation.drivers import play_in_processes, refuse_what_cannot_split, shares
from harness.simulation.nemesis import Nemesis
from harness.simulation.orgs import SimOrg
from harness.simulation.plan import History
from harness.simulation.player import Played, Player, Target, play_on_threads
from harness.stack.wallet_stack import WalletStack


class Runner:
    def __init__(
        self,
        stack: WalletStack,
        orgs: Sequence[SimOrg],
        *,
        concurrency: int = 8,
        drivers: int = 1,
        restart_before: set[int] | None = None,
        on_done: Callable[[Played], None] | None = None,
        nemesis: Nemesis | None = None,
    ) -> None:
        self.stack = stack
        self.orgs = orgs
        self.concurrency = max(1, concurrency)
        self.drivers = drivers
        self.restart_before = restart_before or set()
        self.on_done = on_done or (lambda played: None)
        self.nemesis = nemesis
        self.worker_restarts = 0
        self.driver_cpu_seconds = 0.0  # the driver processes' CPU, where they played
        # one restart at a time, the nemesis's blows included: the next waits its turn
        self._restarting = nemesis.lock if nemesis is not None else threading.Lock()

    def run(self, histories: Sequence[History]) -> list[Played]:
        target = Target.of(self.stack)
        refuse_what_cannot_split(target.org_field, histories, self.drivers)
        patient = self.nemesis is not None and self.nemesis.active
        if self.drivers > 1:
            return self._run_in_processes(target, histories, patient)
        player = Player(target, self.orgs, patient)

        def play(item: Played, http: httpx.Client, control: FakeStripeControl) -> None:
            if self.nemesis is not None:
                self.nemesis.wait_for_blows_before(item.history.index)
            self._before(item.history.index)
            player.play(item, http, control)
            self._after(item)

        played = [Played(history) for history in histories]
        play_on_threads(played, self.concurrency, target, play)
        return played

    def _run_in_processes(
        self, target: Target, histories: Sequence[History], patient: bool
    ) -> list[Played]:
        parts = shares(target, self.orgs, histories, self.drivers, self.concurrency, patient)
        done = 0

        def on_result(item: Played) -> None:
            nonlocal done
            self._after(item)
            done += 1
            self._before(done)  # what the plan strikes before top-up N, once N are done

        played, self.driver_cpu_seconds = play_in_processes(
            parts, on_result, self.stack.check_alive
        )
        return [played[history.index] for history in histories]

    def _before(self, index: int) -> None:
        """Before top-up ``index``: a process that died stops the run, named; the nemesis
        strikes and the worker restarts where the plan says (a blow that fails stops the run)."""
        try:
            self.stack.check_alive()
        except BaseException:
            if self.nemesis is not None:  # no blow now: the top-ups after it may go on
                self.nemesis.let_go(index)
            raise
        if self.nemesis is not None:
            self.nemesis.before(index)
        if index in self.restart_before:
            self._restart_worker()

    def _after(self, item: Played) -> None:
        if self.nemesis is not None:
            self.nemesis.finished()
        if item.problems:
            self._check_stack()
        self.on_done(item)

    def _check_stack(self) -> None:
        """After an answer no customer should get: is the stack still whole? A database gone
        makes every later top-up wait out the app's pool and fail the same way, for minutes.
        Asked after any restart in progress (the nemesis's restart-db) is over."""
        self.stack.check_alive()
        with self._restarting:
            self.stack.check_database()

    def _restart_worker(self) -> None:
        with self._restarting:
            self.stack.stop_worker()
            self.stack.start_worker()
            self.worker_restarts += 1
