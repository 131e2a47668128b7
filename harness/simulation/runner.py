"""Plays top-up histories on a running stack, several at once, as customers and Stripe would:
the app's JSON API starts each top-up (with its organisation's token), the fake's control API
pays it through the hosted page's own code, the fake sends the signed webhooks under the
history's faults, and some customers land on the success page. The worker is restarted now
and then while payments go on, and a nemesis, when asked for, crashes processes and restarts the
database (``nemesis``).

Nothing here judges the outcome (``invariants`` does); an answer that is not what a customer
would get is noted on the top-up, and the run goes on, unless the stack itself broke: before
each top-up every process must still run (``WalletStack.check_alive``), and after a top-up that
went wrong the database must still answer (``check_database``). Either stops the run, named.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

from fake_stripe.client import FakeStripeControl
from harness.drivers.wallet_api import WalletApi
from harness.simulation.nemesis import Nemesis, as_a_customer
from harness.simulation.orgs import SimOrg
from harness.simulation.plan import BANK_ACCOUNTS, CARDS, History
from harness.stack.wallet_stack import WalletStack

EXPECTED_PAYMENT = {
    "card": "succeeded",
    "declined": "declined",
    "bank_debit_settles": "processing",
    "bank_debit_fails": "processing",
}


@dataclass
class Played:
    history: History
    session_id: str | None = None
    landed_at: float | None = None  # real time of the landing check (fake time = real then)
    problems: list[str] = field(default_factory=list)  # answers a customer should not get


class Runner:
    def __init__(
        self,
        stack: WalletStack,
        orgs: Sequence[SimOrg],
        *,
        concurrency: int = 8,
        restart_before: set[int] | None = None,
        on_done: Callable[[Played], None] | None = None,
        nemesis: Nemesis | None = None,
    ) -> None:
        self.stack = stack
        self._topup_api = stack.profile.app.capabilities.topup_api
        self.orgs = orgs
        self.concurrency = max(1, concurrency)
        self.restart_before = restart_before or set()
        self.on_done = on_done or (lambda played: None)
        self.nemesis = nemesis
        self.worker_restarts = 0
        self._lock = threading.Lock()
        # one restart at a time, the nemesis's blows included: the next waits its turn
        self._restarting = nemesis.lock if nemesis is not None else threading.Lock()

    def run(self, histories: Sequence[History]) -> list[Played]:
        played = [Played(history) for history in histories]
        queue = iter(played)
        errors: list[BaseException] = []

        def work() -> None:
            with (
                httpx.Client(base_url=self.stack.web_url, timeout=60) as http,
                FakeStripeControl(self.stack.fake_url, timeout=60) as control,
            ):
                while not errors:  # one thread's error stops the others too
                    with self._lock:
                        item = next(queue, None)
                    if item is None:
                        return
                    # a process that died stops the run, named: re-raised like a failed blow
                    self.stack.check_alive()
                    if self.nemesis is not None:  # a blow that fails stops the run: re-raised
                        self.nemesis.before(item.history.index)
                    try:
                        self._play(item, http, control)
                    except Exception as error:  # noted on the top-up; the run goes on
                        item.problems.append(f"{type(error).__name__}: {error}")
                    if item.problems:
                        self._check_stack()
                    self.on_done(item)

        threads = [
            threading.Thread(target=self._guard(work, errors)) for _ in range(self.concurrency)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return played

    @staticmethod
    def _guard(work: Callable[[], None], errors: list[BaseException]) -> Callable[[], None]:
        def guarded() -> None:
            try:
                work()
            except BaseException as error:  # re-raised by run() in the main thread
                errors.append(error)

        return guarded

    def _play(self, item: Played, http: httpx.Client, control: FakeStripeControl) -> None:
        history = item.history
        if history.index in self.restart_before:
            self._restart_worker()
        patient = self.nemesis is not None and self.nemesis.active
        org = self.orgs[history.org]
        api = WalletApi(self.stack.web_url, org.token, self._topup_api, http=http)
        started = as_a_customer(lambda: api.start_top_up(history.amount_pence), patient)
        session_id = api.session_id(started)
        if started.status_code not in (200, 201) or session_id is None:
            item.problems.append(f"starting the top-up: {started.status_code} {started.body}")
            return
        item.session_id = session_id
        if history.deciding_event is not None:
            for fault in history.faults:
                control.add_fault_rule(fault.rule(session_id, history.deciding_event))
        self._pay(item, control)
        if history.lands:
            item.landed_at = time.time()
            landed = as_a_customer(lambda: api.check_top_up(session_id), patient)
            if landed.status_code != 200:
                item.problems.append(f"the landing check: {landed.status_code} {landed.body}")

    @staticmethod
    def _pay(item: Played, control: FakeStripeControl) -> None:
        history, session_id = item.history, item.session_id
        assert session_id is not None
        outcome = history.outcome
        if outcome == "expired":
            control.expire(session_id)
            return
        if outcome == "abandoned":
            return  # nobody pays: Stripe expires it when the clock passes its expiry
        if outcome in CARDS:
            result = control.pay(session_id, card=CARDS[outcome], wait_for_webhook=history.lands)
        else:
            result = control.pay(
                session_id,
                method="bacs_debit",
                account_number=BANK_ACCOUNTS[outcome],
                wait_for_webhook=history.lands,
            )
        if result.status != EXPECTED_PAYMENT[outcome]:
            item.problems.append(
                f"paying ({outcome}): {result.status}, expected {EXPECTED_PAYMENT[outcome]}"
                f" ({result.message or 'no message'})"
            )

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
