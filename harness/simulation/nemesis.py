"""The nemesis (Jepsen's word for it): while the top-ups go on, it kills the app's processes with
SIGKILL and restarts its database at seeded random moments, then starts again what it killed;
the invariants decide whether the money survived, above all "acknowledged means credited".

    kill-worker   SIGKILL the worker while it has work (jobs it held stay ``doing``; a blow
                  that found the job just done is struck again), start a new one
    kill-web      SIGKILL the web process (requests and deliveries in flight are cut), start it
                  again on the same port
    restart-db    ``pg_ctl restart -m fast`` of the database server (every connection cut)

Each kind strikes ``PER_THOUSAND`` times per 1,000 top-ups (at least once), before top-ups
chosen by the seed, one blow at a time. While it strikes, customers do what customers do:
``as_a_customer`` retries a request the outage cut or answered 502/503, for up to
``CUSTOMER_PATIENCE`` seconds. ``strike`` is one blow: the state machine's nemesis
(``stateful.NemesisMachine``) strikes through it too, as a step among its others.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

import httpx

from harness.polling import poll_until
from harness.simulation.plan import PlanError
from harness.stack.wallet_stack import WalletStack

KINDS = ("kill-worker", "kill-web", "restart-db")
PER_THOUSAND = 4
CUSTOMER_PATIENCE = 60.0
BUSY_WAIT = 2.0
MID_JOB_TRIES = 5
RETRY_PAUSE = 0.2


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


def strike(stack: WalletStack, kind: str) -> None:
    """One blow of ``kind``; returns once what it killed is up again (the process ready, the
    database accepting connections)."""
    if kind == "restart-db":
        assert stack.config.restart_database is not None
        stack.config.restart_database()
    elif kind == "kill-web":
        stack.crash_and_restart("web")
    else:
        _kill_worker_mid_job(stack)


def _kill_worker_mid_job(stack: WalletStack) -> None:
    """SIGKILL the worker once it has work, and start a new one. Where the profile shows jobs,
    a blow that was meant to land mid-job and left none held (the job ended between the look
    and the kill: quick jobs make that likelier on a loaded machine) is struck again, up to
    ``MID_JOB_TRIES`` times. A job still ``doing`` just after the kill may be one whose end the
    dead worker had already sent, landing a moment later; the one it left mid-job is the job
    still ``doing`` once the new worker is up (by when whatever the dead one sent has landed)."""
    for _ in range(MID_JOB_TRIES):
        watched = _when_busy(stack) and stack.records.has("jobs_sql")
        stack.worker.kill()
        held = _running_jobs(stack) if watched else set()
        stack.start_worker()
        if not watched or held & _running_jobs(stack):
            return


def _when_busy(stack: WalletStack) -> bool:
    """Wait (a little) for the worker to have work, so the blow lands mid-job: a kill of an
    idle worker tests nothing. When the profile shows no queue, strike at once. Whether work
    was seen."""
    if stack.records.has("jobs_sql") or stack.records.has("queue_probe"):
        return poll_until(lambda: _has_work(stack), timeout=BUSY_WAIT, interval=0.005)
    return False


class Nemesis:
    def __init__(self, stack: WalletStack, plan: dict[int, str]) -> None:
        refuse_what_cannot_strike(stack, plan.values())
        self.stack = stack
        self.plan = plan
        self.struck: Counter[str] = Counter()
        # one blow at a time, and no other restart meanwhile (the runner's take it too)
        self.lock = threading.Lock()

    @property
    def active(self) -> bool:
        return bool(self.plan)

    def before(self, index: int) -> None:
        """Strike, if the plan says so, before top-up ``index``."""
        kind = self.plan.get(index)
        if kind is None:
            return
        with self.lock:
            strike(self.stack, kind)
            self.struck[kind] += 1


class Answered(Protocol):
    @property
    def status_code(self) -> int: ...


A = TypeVar("A", bound=Answered)


def _running_jobs(stack: WalletStack) -> set[int]:
    with stack.connect() as conn:
        return stack.records.running_jobs(conn)


def _has_work(stack: WalletStack) -> bool:
    """A job running (where the profile shows jobs), else waiting or running (the probe)."""
    records = stack.records
    with stack.connect() as conn:
        if records.has("jobs_sql"):
            return records.status_counts(conn).get("jobs", {}).get("doing", 0) > 0
        return records.queue_counts(conn)[0] > 0


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
