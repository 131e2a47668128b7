"""One top-up's flow trace: its stages, in the order the money travels, each with a status,
a one-line finding and the evidence behind it. The stage keys are a contract: tables and steps
refer to them (``Then the diagnosis names the "delivery" stage``).

Statuses: ``ok``; ``broken``; ``injected`` (the scenario broke it on purpose, through the fake's
faults); ``skipped`` (nothing to judge: an unpaid session, a webhook lost on purpose);
``not reached`` (an earlier stage broke, so this one never had its turn).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from harness.diagnosis.evidence import LogLine, TopupEvidence
from harness.money import format_money

OK, BROKEN, INJECTED, SKIPPED, NOT_REACHED = "ok", "broken", "injected", "skipped", "not reached"

TITLES = {
    "session": "Checkout Session created",
    "payment": "paid at Stripe",
    "event": "event created",
    "delivery": "webhook delivered",
    "signature": "signature accepted",
    "queue": "stored and queued",
    "job": "job outcome",
    "rescue": "rescue (landing page, reconciliation)",
    "ledger": "ledger row",
    "balance": "balance",
    "screen": "shown on screen",
}
STAGE_KEYS = tuple(TITLES)
MAX_EVIDENCE = 6


@dataclass(frozen=True)
class Stage:
    key: str
    title: str
    status: str  # ok | broken | injected | skipped | not reached
    detail: str
    evidence: tuple[str, ...] = ()
    # the deliberate conditions the stage met (faults the scenario injected into the app's
    # requests to Stripe), shown whatever the status: a fault explains only what it can cause
    faults: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopupTrace:
    session_id: str
    email: str | None
    amount_pence: int | None
    stages: tuple[Stage, ...]
    unavailable: dict[str, str] = field(default_factory=dict)

    @property
    def first_broken(self) -> str | None:
        return next((s.key for s in self.stages if s.status == BROKEN), None)

    def stage(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)


def make_stage(key: str, status: str, detail: str, evidence: Iterable[str] = ()) -> Stage:
    return Stage(key, TITLES[key], status, detail, tuple(evidence)[:MAX_EVIDENCE])


def not_observable(ev: TopupEvidence, *sources: str) -> str | None:
    """Why the first of these sources could not be seen because the profile gives no way to
    see it (``not observable: add capabilities.KEY to the profile``), or None."""
    for source in sources:
        why = ev.unavailable.get(source, "")
        if why.startswith("not observable"):
            return why
    return None


def log_evidence(ev: TopupEvidence, source: str, *needles: str) -> list[str]:
    """The last few lines of one log that mention any of ``needles``."""
    picked: list[LogLine] = [
        line
        for line in ev.log_lines
        if line.source == source and (not needles or any(n in line.text for n in needles))
    ]
    return [f"{source} log: {line.text}" for line in picked[-3:]]


# -- formatting --------------------------------------------------------------------------------


def count(number: int, noun: str, plural: str | None = None) -> str:
    """``count(1, "attempt")`` -> "1 attempt"; ``count(3, "delivery", "deliveries")``."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def money(pence: int | None) -> str:
    return "an unknown amount" if pence is None else format_money(pence)


def short(identifier: str | None) -> str:
    if not identifier:
        return "-"
    return identifier if len(identifier) <= 12 else identifier[:8] + "…"
