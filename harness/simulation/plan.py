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

# about 30% of top-ups get at least one fault (32% of those with a webhook to fault)
FAULT_KINDS = ("drop", "duplicate", "delay", "fail", "reorder", "reissue", "bad_signature")
DEFAULT_MIX = (
    "drop=0.05,duplicate=0.08,delay=0.06,fail=0.08,reorder=0.04,reissue=0.03,bad_signature=0.04"
)


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
class History:
    index: int
    org: int  # which of the simulation's organisations
    amount_pence: int
    outcome: str
    lands: bool  # the customer's browser loads the success page after Checkout
    faults: tuple[Fault, ...] = ()

    @property
    def paid(self) -> bool:
        return self.outcome in PAID

    @property
    def deciding_event(self) -> str | None:
        return DECIDING_EVENT[self.outcome]

    def simpler(self) -> list[History]:
        """Each history one step simpler: one fault fewer, or no landing."""
        options = [
            replace(self, faults=self.faults[:i] + self.faults[i + 1 :])
            for i in range(len(self.faults))
        ]
        if self.lands:
            options.append(replace(self, lands=False))
        return options

    def __str__(self) -> str:
        faults = ", ".join(str(fault) for fault in self.faults) or "no faults"
        landing = "lands on the success page" if self.lands else "never lands"
        return (
            f"#{self.index}: org {self.org}, {format_money(self.amount_pence)} {self.outcome},"
            f" {landing}; {faults}"
        )


def parse_mix(text: str) -> dict[str, float]:
    """``drop=0.1,duplicate=0.1``: the chance that a top-up's webhook gets each fault."""
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
        for kind in FAULT_KINDS:
            if rng.random() < mix.get(kind, 0.0):
                faults.append(_fault(kind, rng))
    return History(
        index=index,
        org=rng.randrange(orgs),
        amount_pence=amount_pence(rng),
        outcome=outcome,
        lands=outcome in LANDS_AFTER and rng.random() < landing,
        faults=tuple(faults),
    )


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
