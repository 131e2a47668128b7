"""The simulation as a Hypothesis state machine: create top-ups, fault their webhooks, pay them
(card, refused card, bank debit that settles or fails), expire them, land on the success page,
pay two at once, release held deliveries, move the clock, reconcile, restart the worker, in any
order, against a shadow model of what Stripe was paid. After every step the ledger must be
sound and nothing credited that was not paid, or credited twice; at the end, with every retry
run, every paid top-up must be credited exactly once (``harness.simulation.invariants``).
``NemesisMachine`` adds the nemesis's blows to those steps (``harness.simulation.nemesis``):
kill -9 the worker or the web process, restart the database.

A failure shrinks to the shortest schedule of steps that still breaks an invariant. Used by
``tests/harness/simulation/test_stateful.py``: ``machine_for(stack)`` binds the class to a
running stack.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import psycopg
from hypothesis import seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from fake_stripe.client import FakeStripeControl
from harness import http_clients
from harness.drivers.wallet_api import WalletApi
from harness.polling import poll_until
from harness.records.stripe import StripeSession, stripe_sessions
from harness.scenario import QUIET_TIMEOUT, Scenario, StackNotQuiet
from harness.simulation import invariants
from harness.simulation.invariants import Violation
from harness.simulation.nemesis import as_a_customer, refuse_what_cannot_strike, strike
from harness.simulation.orgs import SimOrg, create_orgs, simulation_orgs
from harness.simulation.plan import AMOUNTS_PENCE, BANK_ACCOUNTS, CARDS
from harness.stack.wallet_stack import WalletStack

COMPLETED = "checkout.session.completed"
ORGS = 2
DATABASE_PATIENCE = 30.0  # real seconds a step waits for a database the nemesis restarted
# real seconds a kill-worker step looks for a job running: the job of the payment it has just
# made, which runs at once or not at all (its webhook faulted), so not the simulation's wait
STEP_WAIT = 2.0
FAULTS: dict[str, dict[str, Any]] = {
    "drop": {"action": "drop"},
    "fail twice": {"action": "fail", "times": 2, "params": {"status": 500}},
    "time out": {"action": "fail", "params": {"timeout": True}},
    "duplicate x3 at once": {"action": "duplicate", "params": {"count": 3, "concurrent": True}},
    "reissue": {"action": "reissue"},
    "hold": {"action": "hold"},
    "delay 2 hours": {"action": "delay", "params": {"seconds": 7200}},
    "bad signature": {"action": "corrupt_signature"},
}


def broken_invariants(error: InvariantBroken) -> set[str]:
    """The names of the invariants a run reports broken."""
    return {violation.invariant for violation in error.violations}


class InvariantBroken(AssertionError):
    """The app broke an invariant; the message names it and lists each violation."""

    heading = "invariant broken"

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        names = sorted({violation.invariant for violation in violations})
        lines = "\n".join(f"  - {violation}" for violation in violations[:10])
        super().__init__(f"{self.heading}: {', '.join(names)}\n{lines}")


class InvariantBrokenOnce(InvariantBroken):
    """An invariant broke during the run, and Hypothesis' replay of that schedule did not break
    it again: a race between real processes (two credits at once) need not repeat. Hypothesis
    then reports its replay as flaky (``FlakyFailure``, or ``FlakyStrategyDefinition`` when the
    replay broke at an earlier step and so drew less); these are the violations the run saw."""

    heading = "invariant broken during the run (its replay did not repeat the race)"


@dataclass
class TopUp:
    session_id: str
    org: int
    amount_pence: int
    state: str = "open"  # open | paid | processing | declined | expired


class WalletMachine(RuleBasedStateMachine):
    stack: WalletStack  # set by machine_for
    seen: list[InvariantBroken]  # every break in any schedule of the run, set by machine_for
    nemesis: tuple[str, ...] = ()  # NemesisMachine's blows (machine_for); customers wait them out
    struck: Counter[str]  # the blows struck in any schedule of the run, by kind

    topups = Bundle("topups")

    def __init__(self) -> None:
        super().__init__()
        self.stack.reset()
        self.orgs: list[SimOrg] = simulation_orgs(0, ORGS, self.stack.profile.app)
        with self.stack.connect() as conn:
            create_orgs(conn, self.orgs, self.stack.profile.app)
        self.http = http_clients.client(self.stack.web_url, timeout=30)
        self.control: FakeStripeControl = self.stack.control
        self.world = Scenario(self.stack, None)
        self.model: dict[str, TopUp] = {}
        self.stuck = False  # work stuck past a wait for quiet: reported once, not waited for

    # -- top-ups ---------------------------------------------------------------------------

    @initialize(target=topups, amount=st.sampled_from(AMOUNTS_PENCE))
    def a_customer_opens_checkout(self, amount: int) -> str:
        """Every schedule starts with one top-up open, so its first steps can act on it."""
        return self._start(0, amount)

    @rule(target=topups, org=st.integers(0, ORGS - 1), amount=st.sampled_from(AMOUNTS_PENCE))
    def create(self, org: int, amount: int) -> str:
        return self._start(org, amount)

    @precondition(lambda self: self._open() is not None)
    @rule(fault=st.sampled_from(sorted(FAULTS)))
    def fault_its_webhook(self, fault: str) -> None:
        """A fault on the webhook of the oldest top-up nobody has paid yet."""
        topup = self._open()
        assert topup is not None
        spec = dict(FAULTS[fault])
        spec["match"] = {"object_id": topup.session_id, "event_type": COMPLETED}
        self.control.add_fault_rule(spec)

    @precondition(lambda self: self._open() is not None)
    @rule(lands=st.booleans())
    def pay_by_card(self, lands: bool) -> None:
        """The oldest open top-up paid by card; the customer lands back on the app, or not."""
        topup = self._open()
        assert topup is not None
        self._pay(topup.session_id, "card")
        if lands:
            self._land(topup.session_id)

    @precondition(lambda self: self._open() is not None)
    @rule()
    def card_refused(self) -> None:
        self._pay_oldest("declined")

    @precondition(lambda self: self._open() is not None)
    @rule(settles=st.booleans())
    def pay_by_bank_debit(self, settles: bool) -> None:
        self._pay_oldest("bank_debit_settles" if settles else "bank_debit_fails")

    @precondition(lambda self: self._open() is not None)
    @rule()
    def expire(self) -> None:
        topup = self._open()
        assert topup is not None
        self.control.expire(topup.session_id)
        topup.state = "expired"

    @rule(topup=topups)
    def land_on_the_success_page(self, topup: str) -> None:
        self._land(topup)

    @rule(org=st.integers(0, ORGS - 1), amount=st.sampled_from(AMOUNTS_PENCE))
    def two_top_ups_paid_at_once(self, org: int, amount: int) -> None:
        """Two customers of one organisation pay at the same moment: two webhooks at once."""
        sessions = [self._start(org, amount), self._start(org, amount)]
        threads = [threading.Thread(target=self._pay, args=(s, "card")) for s in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # -- the world around them -------------------------------------------------------------

    @rule()
    def release_held_deliveries(self) -> None:
        self.control.release()

    @rule(hours=st.sampled_from((1, 6, 24, 72)))
    def advance_the_clock(self, hours: int) -> None:
        """Retries, delays and settlements fall due; a session left open a day expires."""
        self.control.advance(hours=hours)
        for session in self.stack.stripe.v1.checkout.sessions.list(
            {"limit": 100}
        ).auto_paging_iter():
            topup = self.model.get(session.id)
            if topup is not None and topup.state == "open" and session.status == "expired":
                topup.state = "expired"

    @rule()
    def reconcile(self) -> None:
        self.stack.reconcile()

    @rule()
    def restart_the_worker(self) -> None:
        self.stack.stop_worker()
        self.stack.start_worker()

    # -- what must hold ----------------------------------------------------------------------

    @invariant()
    def nothing_lost_doubled_or_unpaid_and_the_ledger_sound(self) -> None:
        """Once quiet: nothing credited twice or unpaid, the ledger sound, and every paid
        top-up whose paying webhook the app acknowledged already credited (one still on its
        way, a retry or a held delivery, may come later)."""
        found = self._quiet()
        truth = {s.id: s for s in stripe_sessions(self.stack.stripe)}
        with self.stack.connect() as conn:
            found += invariants.acknowledged_but_uncredited(
                conn, self.stack.ledger, self._acknowledged(truth)
            )
            found += [
                v
                for v in invariants.money_violations(conn, self.stack.ledger, truth)
                if "never credited" not in v.detail
            ]
        if found:
            raise self._broken(found)

    def teardown(self) -> None:
        try:
            if self.model:
                self._check_the_end()
        finally:
            self.http.close()
            if self.stuck:  # nobody will finish it: the next schedule's reset must not wait
                self.stack.stop_worker()

    def _check_the_end(self) -> None:
        """Every retry run: after reconciliation (when a webhook never got through), every
        paid top-up credited exactly once, and the inbox and queue drained."""
        self.control.release()
        found = self._quiet()
        self.control.advance(days=4)
        found += self._quiet()
        truth = {s.id: s for s in stripe_sessions(self.stack.stripe)}
        with self.stack.connect() as conn:
            found += invariants.acknowledged_but_uncredited(
                conn, self.stack.ledger, self._acknowledged(truth)
            )
            lost = [
                v
                for v in invariants.money_violations(conn, self.stack.ledger, truth)
                if "never credited" in v.detail
            ]
        if lost and not found:  # webhooks that never got through: the sweep's job
            self.stack.reconcile()
            found += self._quiet()
        with self.stack.connect() as conn:
            found += invariants.money_violations(conn, self.stack.ledger, truth)
            found += invariants.pipeline_violations(conn, self.stack.records)
        if found:
            raise self._broken(found)

    def _quiet(self) -> list[Violation]:
        """With a nemesis about, wait for the database (a restart it struck may still be
        finishing); then for the stack to be quiet, long enough for the app to queue again a
        job a killed worker left running. Work stuck past the wait breaks "pipeline drained",
        once; it is not waited for again."""
        if self.nemesis:  # a connection more per step: only where a restart can happen
            poll_until(self._database_answers, timeout=DATABASE_PATIENCE, interval=0.1)
        if self.stuck:
            self.control.settle(timeout=QUIET_TIMEOUT)
            return []
        try:
            self.world.wait_until_quiet()
        except StackNotQuiet as stuck:
            self.stuck = True
            return [Violation("pipeline drained", "pipeline", str(stuck))]
        return []

    def _database_answers(self) -> bool:
        try:
            with self.stack.connect() as conn:
                conn.execute("select 1")
        except psycopg.OperationalError:
            return False
        return True

    def _broken(self, violations: list[Violation]) -> InvariantBroken:
        """The error to raise, kept in ``seen`` for a break Hypothesis cannot replay."""
        error = InvariantBroken(violations)
        self.seen.append(error)
        return error

    def _acknowledged(self, truth: dict[str, StripeSession]) -> set[str]:
        """Paid sessions whose paying webhook the app answered 2xx."""
        attempts = self.control.deliveries().attempts
        answered = {a.object_id for a in attempts if a.succeeded and a.event_type in PAYING}
        return {s for s in answered if s is not None and s in truth and truth[s].paid}

    # -- plumbing ----------------------------------------------------------------------------

    def _start(self, org: int, amount: int) -> str:
        api = self._api(self.orgs[org].token)
        answer = as_a_customer(lambda: api.start_top_up(amount), patient=bool(self.nemesis))
        session_id = api.session_id(answer)
        if answer.status_code not in (200, 201) or session_id is None:
            raise self._broken(
                [Violation("customer answers", "top-up", f"{answer.status_code} {answer.body}")]
            )
        self.model[session_id] = TopUp(session_id, org, amount)
        return session_id

    def _api(self, token: str) -> WalletApi:
        topup_api = self.stack.profile.app.capabilities.topup_api
        return WalletApi(self.stack.web_url, token, topup_api, http=self.http)

    def _open(self) -> TopUp | None:
        return next((t for t in self.model.values() if t.state == "open"), None)

    def _pay_oldest(self, how: str) -> None:
        topup = self._open()
        assert topup is not None
        self._pay(topup.session_id, how)

    def _pay(self, session_id: str, how: str) -> None:
        topup = self.model[session_id]
        if topup.state != "open":
            return
        payment: dict[str, Any] = {"wait_for_webhook": False}
        if how in CARDS:
            payment["card"] = CARDS[how]
        else:
            payment.update(method="bacs_debit", account_number=BANK_ACCOUNTS[how])
        with FakeStripeControl(self.stack.fake_url) as control:  # one per thread
            result = control.pay(session_id, **payment)
        topup.state = {"succeeded": "paid", "processing": "processing"}.get(
            result.status, "declined"
        )

    def _land(self, session_id: str) -> None:
        api = self._api(self.orgs[self.model[session_id].org].token)
        answer = as_a_customer(lambda: api.check_top_up(session_id), patient=bool(self.nemesis))
        if answer.status_code != 200:
            raise self._broken(
                [Violation("customer answers", session_id, f"landing: {answer.status_code}")]
            )


class NemesisMachine(WalletMachine):
    """The machine with the nemesis among its steps: the blows ``simulate --nemesis`` strikes,
    through the same code (``harness.simulation.nemesis.strike``), while the customer's requests
    are tried again through the outage, as the runner's are. A subclass rather than a rule more
    on ``WalletMachine``: that would change which schedules the budgets of its tests cover."""

    # the kinds are the run's (machine_for), known once the machine runs
    @precondition(lambda self: bool(self.nemesis))
    @rule(kind=st.runner().flatmap(lambda machine: st.sampled_from(machine.nemesis)))
    def the_nemesis_strikes(self, kind: str) -> None:
        """A blow while a payment is on its way (the oldest open top-up's, else a new one's),
        so that it cuts a delivery or a job mid-flight: ``kill-worker`` SIGKILLs the worker
        running its job (which stays ``doing`` until the app's stalled-job sweep queues it
        again) and starts a new one; ``kill-web`` SIGKILLs the web process and starts it
        again on the same port; ``restart-db`` restarts the database server."""
        topup = self._open() or self.model[self._start(0, AMOUNTS_PENCE[0])]
        self._pay(topup.session_id, "card")
        strike(self.stack, kind, wait=STEP_WAIT)
        self.struck[kind] += 1


PAYING = (COMPLETED, "checkout.session.async_payment_succeeded")


# The schedules a run tries follow from this number. Hypothesis would otherwise derive them from
# the machine's source (derandomize), so any edit to this module, a docstring included, would
# change which schedules a budget covers and whether a defect is found within it.
SCHEDULES_SEED = 1


def machine_for(stack: WalletStack, nemesis: tuple[str, ...] = ()) -> type[WalletMachine]:
    """The machine class bound to a running stack (Hypothesis makes one instance per run);
    with ``nemesis`` (``harness.simulation.nemesis.KINDS``), the one that strikes those blows."""
    refuse_what_cannot_strike(stack, nemesis)
    base = NemesisMachine if nemesis else WalletMachine
    bound = {"stack": stack, "seen": [], "nemesis": nemesis, "struck": Counter()}
    return type(base.__name__, (base,), bound)


def run_machine(
    stack: WalletStack,
    budget: settings,
    nemesis: tuple[str, ...] = (),
    schedules_seed: int = SCHEDULES_SEED,
) -> Counter[str]:
    """Run the machine on ``stack`` within ``budget``, with the ``nemesis`` blows among its
    steps; the blows it struck, by kind. ``InvariantBroken`` names what broke
    (``InvariantBrokenOnce`` when Hypothesis could not replay it). A flaky replay with no
    break seen is the harness's own problem and is raised as it is."""
    machine = seed(schedules_seed)(machine_for(stack, nemesis))
    # typed in newer Hypothesis releases, untyped in older ones: called through one signature
    run = cast(Callable[..., None], run_state_machine_as_test)
    try:
        run(machine, settings=budget)
    except Flaky as flaky:
        if not machine.seen:
            raise
        raise InvariantBrokenOnce(machine.seen[0].violations) from flaky
    return machine.struck
