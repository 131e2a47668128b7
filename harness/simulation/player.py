"""One top-up played as a customer and Stripe would, free of the stack's process handles so that
a driver process of its own can play it too (``drivers``): the app's JSON API starts the top-up
(with its organisation's token), the fake's control API pays it through the hosted page's own
code, the fake sends the signed webhooks under the history's faults, and some customers land on
the success page. ``play_on_threads`` plays many at once.

Nothing here judges the outcome (``invariants`` does); an answer that is not what a customer
would get is noted on the top-up (``Played.problems``).

A history's faults on the app's own Stripe calls are rules at the fake: a read fault names the
top-up's session, but a creation fault cannot (no session exists yet). Where the app profile
names the creation's field that carries the organisation (``[stripe] creation_org_field``,
Stripe's ``client_reference_id`` for both profiles here), the rule names the organisation and
only that organisation's other creations wait while it stands; else the player starts that
top-up alone, no other creation in flight (``Creations``). Either way it takes the rule away
after. A creation the app refuses with a reason (502 or 503 and an ``error``), when
the history faulted it, is a legitimate outcome: the customer was told, nothing was charged.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import httpx

from fake_stripe.client import ControlError, FakeStripeControl
from harness import http_clients
from harness.drivers.wallet_api import Answer, WalletApi
from harness.profile.model import TopupApi
from harness.simulation.nemesis import as_a_customer
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
    refused: str | None = None  # the app's reason, when it refused the faulted creation


REFUSAL_STATUSES = (502, 503)  # Stripe failing while the session was created, told as such


def refusal(answer: Answer) -> str | None:
    """The reason in an answer that refuses a top-up because Stripe failed (a 502 or 503 with
    an ``error`` text); None for any other answer (a bare 500, say)."""
    reason = answer.body.get("error")
    if answer.status_code in REFUSAL_STATUSES and isinstance(reason, str) and reason.strip():
        return reason
    return None


ALL = "*"  # the key of every creation, where a rule cannot tell one organisation's from another's


class Creations:
    """Top-ups are started many at once, but one whose creation the plan faults is started
    alone among the creations its rule could meet: any creation in flight beside it that the
    rule matches could meet the fault instead. Those are the creations of the same key: one
    organisation's, where the rule names the organisation, else all (``ALL``). A reader-writer
    lock per key, the lone ones first."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._running: Counter[str] = Counter()
        self._alone: set[str] = set()
        self._waiting_alone: Counter[str] = Counter()

    def waiting_alone(self, key: str = ALL) -> int:
        with self._changed:
            return self._waiting_alone[key]

    @contextmanager
    def together(self, key: str = ALL) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: key not in self._alone and not self._waiting_alone[key])
            self._running[key] += 1
        try:
            yield
        finally:
            with self._changed:
                self._running[key] -= 1
                self._changed.notify_all()

    @contextmanager
    def alone(self, key: str = ALL) -> Iterator[None]:
        with self._changed:
            self._waiting_alone[key] += 1
            self._changed.wait_for(lambda: key not in self._alone and not self._running[key])
            self._waiting_alone[key] -= 1
            self._alone.add(key)
        try:
            yield
        finally:
            with self._changed:
                self._alone.discard(key)
                self._changed.notify_all()


@dataclass(frozen=True)
class Target:
    """Where the top-ups are played: the app, the fake, and what the app profile says about
    the top-up API and the creation's organisation field. Picklable, for a driver process."""

    web_url: str
    fake_url: str
    topup_api: TopupApi | None
    org_field: str | None

    @classmethod
    def of(cls, stack: WalletStack) -> Target:
        app = stack.profile.app
        return cls(
            stack.web_url, stack.fake_url, app.capabilities.topup_api, app.stripe.creation_org_field
        )


class Player:
    """Plays top-ups for ``orgs`` at ``target``; ``patient`` customers try again a request an
    outage cut or answered 502/503 (a nemesis is about)."""

    def __init__(self, target: Target, orgs: Sequence[SimOrg], patient: bool = False) -> None:
        self.target = target
        self.orgs = orgs
        self.patient = patient
        self._creations = Creations()

    def play(self, item: Played, http: httpx.Client, control: FakeStripeControl) -> None:
        """Play ``item``'s history; what a customer should not have been answered, an error
        included, goes in its ``problems`` and the run goes on."""
        try:
            self._play(item, http, control)
        except Exception as error:
            item.problems.append(f"{type(error).__name__}: {error}")

    def _play(self, item: Played, http: httpx.Client, control: FakeStripeControl) -> None:
        history = item.history
        org = self.orgs[history.org]
        api = WalletApi(self.target.web_url, org.token, self.target.topup_api, http=http)
        started = self._start(item, org, api, control)
        session_id = api.session_id(started)
        if history.creation_fault is not None and (reason := refusal(started)) is not None:
            item.refused = reason  # the customer was told; nothing to pay
            return
        if started.status_code not in (200, 201) or session_id is None:
            item.problems.append(f"starting the top-up: {started.status_code} {started.body}")
            return
        item.session_id = session_id
        if history.deciding_event is not None:
            for fault in history.faults:
                control.add_fault_rule(fault.rule(session_id, history.deciding_event))
        for api_fault in history.read_faults:
            control.add_api_fault_rule(api_fault.rule(session_id))
        self._pay(item, control)
        if history.lands:
            item.landed_at = time.time()
            landed = as_a_customer(lambda: api.check_top_up(session_id), self.patient)
            if landed.status_code != 200:
                item.problems.append(f"the landing check: {landed.status_code} {landed.body}")

    def _start(
        self, item: Played, org: SimOrg, api: WalletApi, control: FakeStripeControl
    ) -> Answer:
        """The customer starts the top-up; one whose creation is faulted is started alone among
        the creations its rule could meet, once (a cut the nemesis made is tried again after,
        without the fault)."""
        amount, fault = item.history.amount_pence, item.history.creation_fault
        key = ALL if self.target.org_field is None else org.org_id
        if fault is None:
            with self._creations.together(key):
                return as_a_customer(lambda: api.start_top_up(amount), self.patient)
        fields = None if self.target.org_field is None else {self.target.org_field: org.org_id}
        with self._creations.alone(key):
            rule = control.add_api_fault_rule(fault.rule(fields=fields))
            try:
                return api.start_top_up(amount)
            except httpx.TransportError:
                if not self.patient:
                    raise
            finally:
                with suppress(ControlError):  # gone already: nothing to take away
                    control.remove_api_fault(rule.id)
        return as_a_customer(lambda: api.start_top_up(amount), self.patient)

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


def play_on_threads(
    played: Sequence[Played],
    threads: int,
    target: Target,
    play: Callable[[Played, httpx.Client, FakeStripeControl], None],
) -> None:
    """``play`` each of ``played`` on ``threads`` threads, each with its own clients. The first
    error ``play`` raises stops the other threads after their top-up in hand and is re-raised
    here."""
    queue = iter(played)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with (
                http_clients.client(target.web_url, timeout=60) as http,
                FakeStripeControl(target.fake_url, timeout=60) as control,
            ):
                while not errors:
                    with lock:
                        item = next(queue, None)
                    if item is None:
                        return
                    play(item, http, control)
        except BaseException as error:  # re-raised below, in the calling thread
            errors.append(error)

    workers = [threading.Thread(target=work) for _ in range(max(1, threads))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
