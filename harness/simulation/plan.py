"""Each top-up's history, decided by the seed and the top-up's number alone.

A history is the organisation, the amount, how the customer pays (or does not), whether they
land back on the app, and the faults on the webhook that decides the payment. Each history is
drawn from its own random stream (``seed:index``), so the same seed gives the same histories
whatever order the top-ups run in, and one history can be replayed on its own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Any

from fake_stripe.client import spoiling
from harness.money import format_money

# how a top-up ends, with the share of top-ups that end that way
OUTCOMES: dict[str, float] = {
    "card": 0.78,  # paid by card
    "declined": 0.06,  # the card is refused; the customer gives up
    "bank_debit_settles": 0.06,  # delayed method, later succeeds
    "bank_debit_fails": 0.03,  # delayed method, later fails
    "expired": 0.04,  # the session is expired before anyone pays
    "abandoned": 0.03,  # opened and left: Stripe expires it a day later
}
PAID = ("card", "bank_debit_settles")
LANDS_AFTER = ("card", "bank_debit_settles", "bank_debit_fails")  # Checkout redirects back
# the event that decides each outcome: its webhook is the one the faults hit
DECIDING_EVENT = {
    "card": "checkout.session.completed",
    "declined": None,
    "bank_debit_settles": "checkout.session.async_payment_succeeded",
    "bank_debit_fails": "checkout.session.async_payment_failed",
    "expired": "checkout.session.expired",
    "abandoned": "checkout.session.expired",
}
CARDS = {"card": "4242424242424242", "declined": "4000000000000002"}
BANK_ACCOUNTS = {"bank_debit_settles": "00012345", "bank_debit_fails": "90012345"}
AMOUNTS_PENCE = (500, 1000, 1250, 2000, 2500, 5000, 10000, 25000, 100000)
# the amounts a history tops up: any whole number of pence in the app's allowed range (its
# topup_min_pence and topup_max_pence), the limits themselves a little more often than chance
MIN_AMOUNT_PENCE, MAX_AMOUNT_PENCE = 500, 100_000
EDGE_CHANCE = 0.05  # of a history's amount being one limit or the other

# about 30% of top-ups get at least one fault on their webhook (32% of those with a webhook)
WEBHOOK_FAULT_KINDS = ("drop", "duplicate", "delay", "fail", "reorder", "reissue", "bad_signature")
# faults on the app's own requests to Stripe's API (fake_stripe's API fault rules):
# api_create, the top-up's session creation fails (the SDK's one retry gets past some, the
# customer is refused the others); api_read, the app's reads of the top-up's session fail for a
# while; api_list, a chance per request that the sweep's list of events fails (run-wide rules:
# no top-up owns those requests)
API_FAULT_KINDS = ("api_create", "api_read", "api_list")
FAULT_KINDS = WEBHOOK_FAULT_KINDS + API_FAULT_KINDS
DEFAULT_MIX = (
    "drop=0.05,duplicate=0.08,delay=0.06,fail=0.08,reorder=0.04,reissue=0.03,bad_signature=0.04,"
    "api_create=0.03,api_read=0.06,api_list=0.005"
)
SESSIONS_PATH = "/v1/checkout/sessions"
EVENTS_PATH = "/v1/events"
# the apps' Stripe client gives up on a request before this (both profiles' 2 s) and asks
# once more: a read held this long is a timeout, not a slow answer
HELD_SECONDS = 10


class PlanError(ValueError):
    """Options that cannot make a plan; the message says which."""


@dataclass(frozen=True)
class Fault:
    """One fault rule on a top-up's deciding webhook, as the fake's control API takes it."""

    action: str
    times: int | None = 1
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        shown = ", ".join(f"{key}={value}" for key, value in sorted(self.params.items()))
        times = "" if self.times == 1 else f" x{self.times}"
        return f"{self.action}{times}" + (f" ({shown})" if shown else "")

    def rule(self, session_id: str, event_type: str) -> dict[str, Any]:
        match = {"object_id": session_id, "event_type": event_type}
        return {"action": self.action, "match": match, "times": self.times, "params": self.params}


@dataclass(frozen=True)
class ApiFault:
    """One fault rule on the app's own requests to Stripe's API for one top-up. ``call``:
    ``create``, the request that creates its Checkout Session (no session id exists yet, so the
    rule matches every creation, or the organisation's where the profile says how to tell: the
    runner creates this top-up alone among those while it stands);
    ``read``, the app's reads of its session (the worker's, the landing check's, the sweep's)."""

    call: str
    action: str  # error | reset | timeout (fake_stripe's API fault actions)
    times: int = 1
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        shown = ", ".join(f"{key}={value}" for key, value in sorted(self.params.items()))
        times = "" if self.times == 1 else f" x{self.times}"
        return f"{self.call} {self.action}{times}" + (f" ({shown})" if shown else "")

    def rule(
        self, session_id: str | None = None, fields: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """The fake's rule. A creation's rule matches every creation, or only those carrying
        ``fields`` (the organisation's id in the field the app puts it in)."""
        if self.call == "create":
            match: dict[str, Any] = {"method": "POST", "path": SESSIONS_PATH}
            if fields:
                match["fields"] = fields
        else:
            assert session_id is not None, "a read fault is for one session"
            match = {"method": "GET", "object_id": session_id}
        return {"action": self.action, "match": match, "times": self.times, "params": self.params}


@dataclass(frozen=True)
class History:
    index: int
    org: int  # which of the simulation's organisations
    amount_pence: int
    outcome: str
    lands: bool  # the customer's browser loads the success page after Checkout
    faults: tuple[Fault, ...] = ()  # on the webhook that decides the payment
    api_faults: tuple[ApiFault, ...] = ()  # on the app's requests to Stripe for this top-up

    @property
    def paid(self) -> bool:
        return self.outcome in PAID

    @property
    def deciding_event(self) -> str | None:
        return DECIDING_EVENT[self.outcome]

    @property
    def creation_fault(self) -> ApiFault | None:
        return next((fault for fault in self.api_faults if fault.call == "create"), None)

    @property
    def read_faults(self) -> tuple[ApiFault, ...]:
        return tuple(fault for fault in self.api_faults if fault.call == "read")

    @property
    def faulted(self) -> bool:
        return bool(self.faults or self.api_faults)

    def simpler(self) -> list[History]:
        """Each history one step simpler: one fault fewer (on the webhook or the API), or no
        landing."""
        options = [
            replace(self, faults=self.faults[:i] + self.faults[i + 1 :])
            for i in range(len(self.faults))
        ]
        options += [
            replace(self, api_faults=self.api_faults[:i] + self.api_faults[i + 1 :])
            for i in range(len(self.api_faults))
        ]
        if self.lands:
            options.append(replace(self, lands=False))
        return options

    def __str__(self) -> str:
        faults = ", ".join(str(fault) for fault in self.faults)
        if self.api_faults:
            api = "Stripe API " + ", ".join(str(fault) for fault in self.api_faults)
            faults = f"{faults}; {api}" if faults else api
        landing = "lands on the success page" if self.lands else "never lands"
        return (
            f"#{self.index}: org {self.org}, {format_money(self.amount_pence)} {self.outcome},"
            f" {landing}; {faults or 'no faults'}"
        )


def parse_mix(text: str) -> dict[str, float]:
    """``drop=0.1,duplicate=0.1``: the chance that a top-up's webhook gets each fault (and its
    Stripe calls, for ``api_create`` and ``api_read``); ``api_list``: the chance that one request
    of the sweep for a page of events fails."""
    mix: dict[str, float] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in FAULT_KINDS:
            raise PlanError(
                f"fault {part!r}: write NAME=CHANCE, NAME one of {', '.join(FAULT_KINDS)}"
            )
        try:
            chance = float(value)
        except ValueError:
            raise PlanError(f"fault {name}: {value!r} is not a number") from None
        if not 0 <= chance <= 1:
            raise PlanError(f"fault {name}: the chance must be between 0 and 1, got {chance}")
        mix[name] = chance
    return mix


def make_plan(
    seed: int, orgs: int, topups: int, mix: dict[str, float], landing: float = 0.5
) -> list[History]:
    if orgs < 1 or topups < 1:
        raise PlanError("a simulation needs at least one organisation and one top-up")
    return [history(seed, index, orgs, mix, landing) for index in range(topups)]


def history(seed: int, index: int, orgs: int, mix: dict[str, float], landing: float) -> History:
    rng = random.Random(f"{seed}:{index}")  # noqa: S311 (a replayable schedule, not a secret)
    outcome = rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
    faults: list[Fault] = []
    if DECIDING_EVENT[outcome] is not None:
        for kind in WEBHOOK_FAULT_KINDS:
            if rng.random() < mix.get(kind, 0.0):
                faults.append(_fault(kind, rng))
    org = rng.randrange(orgs)
    amount = amount_pence(rng)
    lands = outcome in LANDS_AFTER and rng.random() < landing
    # drawn last, so a mix without them leaves the rest of every history as it was
    api_faults: list[ApiFault] = []
    if rng.random() < mix.get("api_create", 0.0):
        api_faults.append(_creation_fault(rng))
    # only where the app reads the session: a webhook to process, or a landing check
    if DECIDING_EVENT[outcome] is not None and rng.random() < mix.get("api_read", 0.0):
        api_faults.append(_read_fault(rng))
    return History(
        index=index,
        org=org,
        amount_pence=amount,
        outcome=outcome,
        lands=lands,
        faults=tuple(faults),
        api_faults=tuple(api_faults),
    )


def _creation_fault(rng: random.Random) -> ApiFault:
    """Stripe failing while the session is created. The apps' SDKs ask once more on a 5xx or a
    cut connection (never on a 429), under the same idempotency key: one failure is got past,
    two (or a 429) reach the customer as a refusal. ``processed``: Stripe made the session and
    only its answer was lost (the retry is answered with that session; after two, it is left
    open at Stripe, unknown to the app, and expires unpaid)."""
    status = rng.choice((500, 503))
    return rng.choices(
        [
            ApiFault("create", "error", 1, {"status": status}),
            ApiFault("create", "error", 2, {"status": status}),
            ApiFault("create", "error", 1, {"status": 429, "retry_after": rng.choice((0, 1))}),
            ApiFault("create", "reset", 1, {"processed": True}),
            ApiFault("create", "error", 2, {"status": status, "processed": True}),
        ],
        weights=[0.3, 0.2, 0.2, 0.15, 0.15],
    )[0]


def _read_fault(rng: random.Random) -> ApiFault:
    """Stripe failing while the app reads the top-up's session, for a while: within what a
    worker that retries its job three times gets past even where its SDK asks again only on a
    5xx or a timeout (stripe-node gives up on an answer cut half way, and every SDK on a 429),
    so a correct app credits the payment anyway."""
    kind = rng.choices(["5xx", "429", "reset", "timeout"], weights=[0.4, 0.25, 0.25, 0.1])[0]
    if kind == "5xx":
        return ApiFault("read", "error", rng.randint(1, 3), {"status": rng.choice((500, 503))})
    if kind == "429":
        return ApiFault(
            "read", "error", rng.randint(1, 2), {"status": 429, "retry_after": rng.choice((0, 1))}
        )
    if kind == "reset":
        return ApiFault("read", "reset", rng.randint(1, 2))
    return ApiFault("read", "timeout", 1, {"seconds": HELD_SECONDS})


def run_api_fault_rules(mix: dict[str, float]) -> list[dict[str, Any]]:
    """The rules for the requests no top-up owns, set once for the run: the sweep's pages of
    ``GET /v1/events``, each failing with ``api_list``'s chance, drawn by the fake per request
    (seeded; a retry is a fresh draw): a 503, which the SDK's one retry usually gets past, or
    once a run at most each, a 429 and a cut connection (which fail the sweep unless the app
    itself asks again: no SDK does after a 429, stripe-node not after an answer cut half way),
    so that a sweep run again after failing completes."""
    chance = mix.get("api_list", 0.0)
    if not chance:
        return []
    match = {"method": "GET", "path": EVENTS_PATH}
    return [
        {
            "action": "error",
            "match": match,
            "times": 1,
            "probability": chance,
            "params": {"status": 429, "retry_after": 1},
        },
        {
            "action": "error",
            "match": match,
            "times": None,
            "probability": chance / 2,
            "params": {"status": 503},
        },
        {"action": "reset", "match": match, "times": 1, "probability": chance / 2},
    ]


def amount_pence(rng: random.Random) -> int:
    """An amount from the whole allowed range, uniformly, odd pence and all (£5.00 to
    £1,000.00); one in twenty is one of the limits."""
    if rng.random() < EDGE_CHANCE:
        return rng.choice((MIN_AMOUNT_PENCE, MAX_AMOUNT_PENCE))
    return rng.randint(MIN_AMOUNT_PENCE, MAX_AMOUNT_PENCE)


def _fault(kind: str, rng: random.Random) -> Fault:
    if kind == "duplicate":
        return Fault(
            "duplicate", params={"count": rng.randint(1, 4), "concurrent": rng.random() < 0.5}
        )
    if kind == "delay":
        return Fault("delay", params={"seconds": rng.choice((30, 300, 3600, 3 * 3600))})
    if kind == "fail":
        params: dict[str, Any] = {"status": rng.choice((500, 502, 503, 404))}
        if rng.random() < 0.25:
            params = {"timeout": True}
        return Fault("fail", times=rng.randint(1, 3), params=params)
    if kind == "reorder":
        return Fault("reorder", params={"after": "checkout.session.completed"})
    if kind == "bad_signature":
        return Fault(rng.choice(spoiling("signature")))
    return Fault(kind)  # drop, reissue


def worker_restarts(topups: int, restarts: int) -> set[int]:
    """The top-ups before which the worker is restarted, spread evenly through the run."""
    return {topups * (n + 1) // (restarts + 1) for n in range(restarts)} - {0}
