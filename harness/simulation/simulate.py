"""One simulation on a running stack: reset, the organisations, the top-ups played, the clock
run through every retry, the invariants checked before and after reconciliation, the figures."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from fake_stripe.client import ApiFaultHit, DeliveryAttempt, FakeStripeControl
from harness.records.stripe import StripeSession, stripe_sessions
from harness.scenario import Scenario, StackNotQuiet
from harness.simulation import invariants
from harness.simulation.invariants import Violation
from harness.simulation.nemesis import Blow, Nemesis, nemesis_plan
from harness.simulation.orgs import SimOrg, create_orgs, simulation_orgs
from harness.simulation.plan import (
    EVENTS_PATH,
    SESSIONS_PATH,
    History,
    make_plan,
    run_api_fault_rules,
    worker_restarts,
)
from harness.simulation.player import Played
from harness.simulation.runner import Runner
from harness.stack.wallet_stack import WalletStack

RETRY_HORIZON_DAYS = 4  # Stripe retries for three days; the longest delay and expiry fit in four
QUIET_TIMEOUT = 120.0
# the clock's deliveries, retries and expiries falling due within a minute of each other go out
# this many at once (FakeStripeControl.advance): thousands of them one after another cost a
# round trip each, and no invariant depends on their order
CLOCK_TOGETHER = 16
# a sweep that fails (Stripe's list failing, a session it could not fulfil) is run again, as an
# operator or a schedule would, up to this many runs in all: the run-wide list faults fail at
# most two, and a sweep that meets a top-up's read fault (its webhook lost) one or two more,
# so a correct app completes within it
MAX_SWEEPS = 8


@dataclass(frozen=True)
class Options:
    seed: int
    orgs: int
    topups: int
    mix: dict[str, float]
    landing: float = 0.5
    concurrency: int = 8
    drivers: int = 1  # processes the top-ups are played from (``drivers``)
    worker_restarts: int = 3
    only: frozenset[int] | None = None  # replay just these top-ups of the plan
    nemesis: tuple[str, ...] = ()  # harness.simulation.nemesis.KINDS to strike with


@dataclass
class Outcome:
    options: Options
    orgs: list[SimOrg]
    played: list[Played]
    violations: list[Violation]
    attempts: list[DeliveryAttempt]
    injected: dict[str, int]
    paths: dict[str, str]  # session id -> webhook | landing | reconcile
    truth: dict[str, StripeSession]
    worker_restarts: int
    timings: dict[str, float] = field(default_factory=dict)  # phase -> real seconds
    nemesis: list[Blow] = field(default_factory=list)  # the blows struck, in order
    clock_start: float = 0.0  # fake time when the run began
    reconciled_at: float = 0.0  # fake time of the reconciliation
    api_hits: list[ApiFaultHit] = field(default_factory=list)  # the app's faulted Stripe calls
    sweeps: list[int] = field(default_factory=list)  # each reconciliation run's exit status
    driver_cpu_seconds: float = 0.0  # what the driver processes used (--drivers above 1)

    @property
    def failed(self) -> bool:
        return bool(self.violations)

    @property
    def inconclusive(self) -> list[Blow]:
        """The blows that did not test what they were struck for (a kill of the worker that
        left no job held): with no violation, such a run has not shown the app survives them."""
        return [blow for blow in self.nemesis if blow.missed]

    @property
    def throughput(self) -> float:
        """Top-ups per second, end to end: played, settled, clock run, reconciled, checked."""
        total = sum(self.timings.values())
        return len(self.played) / total if total else 0.0

    def failing_histories(self) -> list[History]:
        """The histories the violations point at (by session, else by organisation)."""
        by_session = {p.session_id: p.history for p in self.played if p.session_id}
        org_ids = {sim.org_id: sim.number for sim in self.orgs}
        chosen: dict[int, History] = {}
        for violation in self.violations:
            if violation.subject in by_session:
                history = by_session[violation.subject]
                chosen[history.index] = history
            elif violation.subject in org_ids:
                for played in self.played:
                    if played.history.org == org_ids[violation.subject]:
                        chosen[played.history.index] = played.history
        for played in self.played:
            if played.problems:
                chosen[played.history.index] = played.history
        return [chosen[index] for index in sorted(chosen)]


def plan_for(options: Options) -> list[History]:
    histories = make_plan(options.seed, options.orgs, options.topups, options.mix, options.landing)
    if options.only is not None:
        histories = [h for h in histories if h.index in options.only]
    return histories


def simulate(
    stack: WalletStack,
    options: Options,
    histories: list[History] | None = None,
    on_done: Callable[[Played], None] | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> Outcome:
    """Play ``histories`` (by default the options' plan) and judge the result.

    A process of the stack that dies (but for the restarts the run makes itself), or its
    database gone, stops the run at the next look: ``ServiceDied`` or ``DatabaseUnreachable``
    names it, also when it is seen as a control call or query cut short (``stack.watched``)."""
    with stack.watched():
        return _play_and_judge(stack, options, histories, on_done, on_phase)


def _play_and_judge(
    stack: WalletStack,
    options: Options,
    histories: list[History] | None,
    on_done: Callable[[Played], None] | None,
    on_phase: Callable[[str], None] | None,
) -> Outcome:
    def whole() -> None:
        stack.check_alive()
        stack.check_database()

    def phase(name: str) -> None:
        whole()  # before a phase of minutes, not after it
        (on_phase or (lambda name: None))(name)

    phase("resetting the stack")
    histories = plan_for(options) if histories is None else histories
    timings: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        timings[name] = now - mark
        mark = now

    stack.reset()
    orgs = simulation_orgs(options.seed, options.orgs, stack.profile.app)
    with stack.connect() as conn:
        create_orgs(conn, orgs, stack.profile.app)
    for rule in run_api_fault_rules(options.mix):  # the sweep's list failing now and then
        stack.control.add_api_fault_rule(rule)
    failed_before = _probe_failed(stack)
    clock_start = stack.control.clock().now
    lap("reset")
    phase("playing the top-ups")
    nemesis = (
        Nemesis(
            stack,
            nemesis_plan(options.seed, options.topups, options.nemesis),
            waits_for_flow=options.drivers == 1,  # driver processes never wait for a blow
        )
        if options.nemesis
        else None
    )
    runner = Runner(
        stack,
        orgs,
        concurrency=options.concurrency,
        drivers=options.drivers,
        restart_before=(
            worker_restarts(options.topups, options.worker_restarts)
            if stack.profile.app.capabilities.worker is not None
            else set()  # no worker the harness may restart
        ),
        on_done=on_done,
        nemesis=nemesis,
    )
    played = runner.run(histories)
    lap("play")

    phase("running the clock through every retry")
    world = Scenario(stack, None)
    unsettled: list[Violation] = []
    # long enough for any healthy run's backlog (and a stalled job's recovery), short enough
    # that a stuck one is reported rather than waited out; sooner, a queue that does not move
    # for the profile's [simulation] stuck_after_seconds
    quiet_within = max(45.0, len(histories) * 0.03)
    simulation = stack.profile.app.simulation

    def settle() -> None:
        """Wait for the stack to be quiet; work stuck past the wait is a finding, not a crash
        (and is not waited for again)."""
        if unsettled:
            stack.control.settle(timeout=QUIET_TIMEOUT)
            return
        try:
            world.wait_until_quiet(quiet_within, still_for=simulation.stuck_after_seconds)
        except StackNotQuiet as stuck:
            unsettled.append(Violation("pipeline drained", "pipeline", str(stuck)))

    stack.control.release()  # held and reordered deliveries go out, as Stripe's eventually do
    settle()
    # in half-days: each call returns when the work falling due in it is done, which for ten
    # thousand top-ups is thousands of deliveries
    with FakeStripeControl(stack.fake_url, timeout=QUIET_TIMEOUT + 30) as control:
        for _ in range(RETRY_HORIZON_DAYS * 2):
            control.advance(hours=12, timeout=QUIET_TIMEOUT, together=CLOCK_TOGETHER)
            whole()
    settle()
    lap("clock")

    phase("checking, then reconciling")
    with stack.connect() as conn:  # what the webhooks and landings credited, before any sweep
        credited = stack.ledger.topup_credits_by_session(conn)
    reconciled_at = stack.control.clock().now
    sweeps: list[int] = []
    swept: list[Violation] = []
    with ThreadPoolExecutor(1, thread_name_prefix="fake-reads") as reads:
        # the harness's reads of the fake, while the app's sweep runs (which waits on Stripe
        # more than it works): nothing a sweep does changes what they read. Every delivery due
        # was answered above and no payment happens in a sweep, so no paying event is delivered
        # during it; after the clock's four days every session is paid or unpaid for good, and
        # a sweep reads sessions. No API fault rule of the run matches the list of sessions
        # (the run's are on the events list, creations and one session's reads).
        fake_reads = reads.submit(_deliveries_and_sessions, stack)
        if stack.profile.app.capabilities.reconcile is not None:  # else nothing rescues a lost one
            swept = _sweep_until_complete(stack, sweeps)
        attempts, truth = fake_reads.result()
    violations = invariants.uncredited(credited, _acknowledged(played, attempts)) + swept
    settle()
    lap("reconcile")

    api_hits = stack.control.api_fault_hits()
    stack.control.clear_api_faults()  # nothing of the harness's meets them after the run
    with stack.connect() as conn:
        violations += invariants.money_violations(
            conn, stack.ledger, truth, {sim.org_id for sim in orgs}
        )
        violations += invariants.pipeline_violations(conn, stack.records, failed_before)
        paths = (
            stack.records.fulfilment_paths(conn, truth) if stack.records.has("fulfilment") else {}
        )
    violations += unsettled[:1]  # the first wait that timed out says what was stuck
    violations += [
        Violation("customer answers", p.session_id or f"top-up #{p.history.index}", problem)
        for p in played
        for problem in p.problems
    ]
    lap("check")
    return Outcome(
        options=options,
        orgs=orgs,
        played=played,
        violations=violations,
        attempts=attempts,
        injected=stack.control.injected(),
        paths=paths,
        truth=truth,
        worker_restarts=runner.worker_restarts,
        timings=timings,
        nemesis=nemesis.blows if nemesis is not None else [],
        clock_start=clock_start,
        reconciled_at=reconciled_at,
        api_hits=api_hits,
        sweeps=sweeps,
        driver_cpu_seconds=runner.driver_cpu_seconds,
    )


def _deliveries_and_sessions(
    stack: WalletStack,
) -> tuple[list[DeliveryAttempt], dict[str, StripeSession]]:
    """Every delivery attempt the fake made, and every Checkout Session Stripe holds, by id:
    through a control client of this thread's own and the stack's Stripe client (which nothing
    else uses while the sweep runs)."""
    with FakeStripeControl(stack.fake_url, timeout=QUIET_TIMEOUT) as control:
        attempts = control.deliveries().attempts
    return attempts, {session.id: session for session in stripe_sessions(stack.stripe)}


def _probe_failed(stack: WalletStack) -> int:
    """Failed jobs the queue probe counts now, where the jobs are kept outside the database."""
    records = stack.records
    if records.has("jobs_sql") or not records.has("queue_probe"):
        return 0
    with stack.connect() as conn:
        return records.queue_counts(conn)[1]


def _sweep_until_complete(stack: WalletStack, sweeps: list[int]) -> list[Violation]:
    """Run the app's sweep until it completes (exit 0), at most ``MAX_SWEEPS`` times; each exit
    status goes in ``sweeps``. A sweep that never completes is a violation, with what it said."""
    said = ""
    for _ in range(MAX_SWEEPS):
        status, said = stack.reconcile_may_fail(stack.profile.app.simulation.reconcile_env)
        sweeps.append(status)
        if status == 0:
            return []
    last = " ".join(said.split())[-300:]
    return [
        Violation(
            "sweep completes",
            "reconciliation",
            f"{MAX_SWEEPS} runs, none completed; the last said: {last or 'nothing'}",
        )
    ]


def _acknowledged(played: list[Played], attempts: list[DeliveryAttempt]) -> set[str]:
    """Paid sessions whose paying event got a 2xx from the app at least once."""
    answered = {(a.object_id, a.event_type) for a in attempts if a.succeeded}
    return {
        p.session_id
        for p in played
        if p.session_id and p.history.paid and (p.session_id, p.history.deciding_event) in answered
    }


def counts(outcome: Outcome) -> dict[str, Counter[str]]:
    """The figures a run prints: outcomes, fulfilment paths, deliveries."""
    attempts = outcome.attempts
    return {
        "outcomes": Counter(p.history.outcome for p in outcome.played),
        "paths": Counter(outcome.paths.values()),
        "deliveries": Counter(
            {
                "attempts": len(attempts),
                "answered 2xx": sum(a.succeeded for a in attempts),
                "retries": sum(a.attempt > 1 for a in attempts),
                "copies": sum(a.copy > 0 for a in attempts),
            }
        ),
        "faulted top-ups": Counter(
            {
                "with a fault": sum(bool(p.history.faults) for p in outcome.played),
                "on their Stripe calls": sum(bool(p.history.api_faults) for p in outcome.played),
            }
        ),
        "api faults": Counter(_call_of(hit) for hit in outcome.api_hits),
        "api answers": Counter(_answer_of(hit) for hit in outcome.api_hits),
        "refused": Counter({"at creation": sum(p.refused is not None for p in outcome.played)}),
        "sweeps": Counter(
            {"run": len(outcome.sweeps), "failed": sum(s != 0 for s in outcome.sweeps)}
        ),
    }


def _call_of(hit: ApiFaultHit) -> str:
    """Which of the app's calls a faulted request was: create, read, list (or its path)."""
    if hit.path == SESSIONS_PATH and hit.method == "POST":
        return "create"
    if hit.path.startswith(SESSIONS_PATH + "/") and hit.method == "GET":
        return "read"
    if hit.path == EVENTS_PATH:
        return "list"
    return f"{hit.method} {hit.path}"


def _answer_of(hit: ApiFaultHit) -> str:
    what = f"{hit.action} {hit.status}" if hit.status is not None else hit.action
    return what + (" processed" if hit.processed else "")
