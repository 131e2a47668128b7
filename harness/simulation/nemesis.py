"""The nemesis (Jepsen's word for it): while the top-ups go on, it kills the app's processes with
SIGKILL and restarts its database at seeded random moments, then starts again what it killed;
the invariants decide whether the money survived, above all "acknowledged means credited".

    kill-worker   SIGKILL the worker while it has a job running (jobs it held stay ``doing``;
                  a blow that found the job just done is struck again), start a new one
    kill-web      SIGKILL the web process (requests and deliveries in flight are cut), start it
                  again on the same port, once the top-ups that waited for the blow are
                  flowing again
    restart-db    ``pg_ctl restart -m fast`` of the database server (every connection cut)

Each kind strikes ``PER_THOUSAND`` times per 1,000 top-ups (at least once), before top-ups
chosen by the seed, one blow at a time. While it strikes, customers do what customers do:
``as_a_customer`` retries a request the outage cut or answered 502/503, for up to
``CUSTOMER_PATIENCE`` seconds. ``strike`` is one blow: the state machine's nemesis
(``stateful.NemesisMachine``) strikes through it too, as a step among its others.

Each blow is recorded (``Blow``). A kill of the worker that left no job held, where the profile
shows the queue's jobs, tested nothing the app does with a held job: the run says so
(``Blow.missed``), and ``simulate`` calls such a run inconclusive rather than passed.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

import httpx

from harness.polling import poll_until
from harness.simulation.plan import PlanError
from harness.stack.wallet_stack import WalletStack

KINDS = ("kill-worker", "kill-web", "restart-db")
PER_THOUSAND = 4
CUSTOMER_PATIENCE = 60.0
BUSY_WAIT = 2.0  # what a blow waits for queued work where it cannot see jobs (a queue probe)
FLOWING = 16  # top-ups finished after a kill of the web's turn, before it strikes
FLOWING_WAIT = 5.0  # at most, what a kill of the web waits for them
MID_JOB_WAIT = 20.0  # what a kill-worker blow waits, in all its tries, for a job to be running
MID_JOB_TRIES = 5
LOOK_INTERVAL = 0.002  # between two looks at the jobs: one query on a connection kept open
RETRY_PAUSE = 0.2
BLOW_TURN_WAIT = 120.0  # at most, what a top-up after a blow waits for it to start


def parse_nemesis(text: str) -> tuple[str, ...]:
    """``"kill-worker,restart-db"`` as its kinds, or ``PlanError`` naming the unknown one."""
    kinds = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise PlanError(f"--nemesis takes {', '.join(KINDS)} (comma separated), not {text!r}")
    return kinds


def nemesis_plan(seed: int, topups: int, kinds: tuple[str, ...]) -> dict[int, str]:
    """Which kind strikes before which top-up: the same seed, the same moments."""
    chooser = random.Random(f"nemesis-{seed}")  # noqa: S311 (a replayable schedule)
    plan: dict[int, str] = {}
    free = list(range(1, max(2, topups)))
    chooser.shuffle(free)
    for kind in kinds:
        for _ in range(max(1, topups * PER_THOUSAND // 1000)):
            if free:
                plan[free.pop()] = kind
    return plan


def refuse_what_cannot_strike(stack: WalletStack, kinds: Iterable[str]) -> None:
    """``PlanError`` before anything starts, when ``stack`` cannot take a blow of ``kinds``."""
    if "restart-db" in kinds and stack.config.restart_database is None:
        raise PlanError(
            "--nemesis restart-db needs a database server the harness runs (not --db-url)"
        )


@dataclass(frozen=True)
class Blow:
    """One blow struck: its kind, the top-up it struck before (None: a step of the state
    machine) and, for ``kill-worker`` where the profile shows the queue's jobs, how many jobs the
    killed worker left mid-job (``held``; None where the harness cannot see jobs), in how many
    tries, whether its last try found a job running (``seen``) and how long it looked
    (``looked``, seconds)."""

    kind: str
    before: int | None = None
    held: int | None = None
    tries: int = 1
    seen: bool = True
    looked: float = 0.0

    @property
    def missed(self) -> bool:
        """A kill of the worker that was to land mid-job and left no job held."""
        return self.held == 0

    def __str__(self) -> str:
        where = "" if self.before is None else f" before top-up {self.before}"
        if self.held is None:
            return f"{self.kind}{where}"
        if self.held:
            return f"{self.kind}{where}: {self.held} job(s) held mid-job (try {self.tries})"
        if not self.seen:
            why = f"no job was running in the {self.looked:.1f} s it looked"
        else:
            why = f"each of its {self.tries} tries found the job ended"
        return f"{self.kind}{where}: left no job held ({why})"


def blows_line(blows: Sequence[Blow]) -> str:
    """``kill-web 1, kill-worker 2 (SIGKILL / ...); jobs held mid-job by each killed worker:
    3, 0``: the blows by kind, and what each kill of the worker left held, where that is known."""
    struck = ", ".join(f"{kind} {n}" for kind, n in sorted(Counter(b.kind for b in blows).items()))
    line = f"{struck} (SIGKILL / pg_ctl restart while top-ups went on)"
    held = [str(blow.held) for blow in blows if blow.held is not None]
    return f"{line}; jobs held mid-job by each killed worker: {', '.join(held)}" if held else line


def strike(stack: WalletStack, kind: str, wait: float = MID_JOB_WAIT) -> Blow:
    """One blow of ``kind``; returns once what it killed is up again (the process ready, the
    database accepting connections). A kill of the worker looks for a running job for up to
    ``wait`` seconds in all."""
    if kind == "restart-db":
        assert stack.config.restart_database is not None
        stack.config.restart_database()
    elif kind == "kill-web":
        stack.crash_and_restart("web")
    elif stack.records.has("jobs_sql"):
        return _kill_worker_mid_job(stack, wait)
    else:
        _when_busy(stack)
        stack.crash_and_restart(stack.worker.name)
    return Blow(kind)


def _kill_worker_mid_job(stack: WalletStack, wait: float) -> Blow:
    """SIGKILL the worker while a job is running, and start a new one. A blow that left no job
    held (the job ended between the look and the kill: quick jobs make that likelier on a
    loaded machine) is struck again, up to ``MID_JOB_TRIES`` times, all within ``wait``
    seconds. A job still ``doing`` just after the kill may be one whose end the dead worker had
    already sent, landing a moment later; the one it left mid-job is the job still ``doing``
    once the new worker is up (by when whatever the dead one sent has landed).
    The looks share one connection: a look is then a query, not a connect, so a job of a few
    milliseconds is seen."""
    records = stack.records
    started = time.monotonic()
    deadline = started + wait
    with stack.connect() as conn:

        def running() -> set[int]:
            return records.running_jobs(conn)

        tries = 0
        while True:
            tries += 1
            left = max(0.0, deadline - time.monotonic())
            seen = bool(poll_until(running, timeout=left, interval=LOOK_INTERVAL))
            stack.worker.kill()
            held = running() if seen else set()
            stack.start_worker()
            kept = held & running()
            if kept or not seen or tries == MID_JOB_TRIES:
                break
    looked = time.monotonic() - started
    return Blow("kill-worker", held=len(kept), tries=tries, seen=seen, looked=looked)


def _when_busy(stack: WalletStack) -> None:
    """Wait (a little) for the queue to have work, so the blow lands mid-work: a kill of an
    idle worker tests nothing. When the profile shows no queue, strike at once."""
    records = stack.records
    if records.has("queue_probe"):
        with stack.connect() as conn:
            poll_until(lambda: records.queue_counts(conn)[0] > 0, timeout=BUSY_WAIT, interval=0.005)


class Nemesis:
    """The plan's blows, each struck before its top-up: one at a time, and none while the
    runner restarts the worker (both take ``lock``). A top-up after a blow's starts only once
    that blow has (``wait_for_blows_before``): a blow kept waiting for the lock (a restart of
    the worker under way) would otherwise find the play over, and a kill of the worker, no job
    left to land on."""

    def __init__(
        self, stack: WalletStack, plan: dict[int, str], *, waits_for_flow: bool = True
    ) -> None:
        refuse_what_cannot_strike(stack, plan.values())
        self.stack = stack
        self.plan = plan
        self.blows: list[Blow] = []
        # one blow at a time, and no other restart meanwhile (the runner's take it too)
        self.lock = threading.Lock()
        self._started: set[int] = set()  # the top-ups whose blow has started (or never will)
        self._finished = 0  # top-ups finished so far
        # False where the top-ups never wait for a blow (driver processes): nothing to flow
        self.waits_for_flow = waits_for_flow
        self._changed = threading.Condition()

    @property
    def active(self) -> bool:
        return bool(self.plan)

    def before(self, index: int) -> None:
        """Strike, if the plan says so, before top-up ``index``."""
        kind = self.plan.get(index)
        if kind is None:
            return
        with self.lock:
            self.let_go(index)  # started: the later top-ups go on beside it, even if it fails
            if kind == "kill-web":
                self._when_flowing()
            self.blows.append(replace(strike(self.stack, kind), before=index))

    def finished(self) -> None:
        """A top-up has finished (the runner says so for each): how a blow tells that the play
        flows."""
        with self._changed:
            self._finished += 1
            self._changed.notify_all()

    def _when_flowing(self) -> None:
        """Wait until ``FLOWING`` more top-ups have finished (at most ``FLOWING_WAIT``
        seconds). The top-ups after a blow wait for its turn (``wait_for_blows_before``); one
        kept waiting behind a restart of the worker leaves the play standing still, with only
        the top-ups already under way finishing, and a web process killed while no delivery
        comes in tests nothing: under ``ack-before-store`` the batch it held has been written
        by then. (The defect matrix missed that defect once on a loaded runner: the
        deliveries had thinned out for the 0.4 s before the kill, and the batch is written
        every second.) Sixteen is two rounds of the usual eight top-ups at once: the first to
        finish after a wait are the quick ones (a creation refused, a session left unpaid),
        not yet a flow of deliveries."""
        if not self.waits_for_flow:
            return
        with self._changed:
            enough = self._finished + FLOWING
            self._changed.wait_for(lambda: self._finished >= enough, timeout=FLOWING_WAIT)

    def wait_for_blows_before(self, index: int) -> None:
        """Return once every blow planned before top-up ``index`` has started (or after
        ``BLOW_TURN_WAIT`` seconds: a blow that long in coming must not stall the run)."""
        due = {before for before in self.plan if before < index}
        with self._changed:
            self._changed.wait_for(lambda: due <= self._started, timeout=BLOW_TURN_WAIT)

    def let_go(self, index: int) -> None:
        """The top-ups after ``index`` need not wait for its blow any more: it has started, or
        will not be struck (the run is stopping)."""
        with self._changed:
            self._started.add(index)
            self._changed.notify_all()


class Answered(Protocol):
    @property
    def status_code(self) -> int: ...


A = TypeVar("A", bound=Answered)


def as_a_customer(call: Callable[[], A], patient: bool) -> A:
    """``call()``, tried again while an outage cuts it or it is answered 502/503 (when
    ``patient``: a nemesis is about), for up to ``CUSTOMER_PATIENCE`` seconds; the last answer,
    or the last cut."""
    answers: list[A] = []
    cuts: list[httpx.TransportError] = []

    def attempt() -> bool:
        answers.clear()
        cuts.clear()
        try:
            answers.append(call())
        except httpx.TransportError as cut:
            cuts.append(cut)
            return False
        return answers[0].status_code not in (502, 503)

    poll_until(attempt, timeout=CUSTOMER_PATIENCE if patient else 0.0, interval=RETRY_PAUSE)
    if cuts:
        raise cuts[0]
    return answers[0]
