"""Fault rules: small records, composable, added and removed through the control API.

``{id, action, match: {event_type?, object_id?, endpoint?}, times, params, probability?}``

The vocabulary (which actions there are, the params each takes, what ``times`` counts for each)
is ``fake_stripe.fault_actions``; this module checks rules against it and keeps them. An action
applies in the phase its ``times`` counts: once per event, before a delivery's first attempt, or
on every attempt; ``times`` null is no bound. Probabilistic rules decide from (seed, rule id,
event id, attempt), never from a shared random stream, so a seed gives the same faults however
deliveries interleave. Durations are seconds.
"""

from __future__ import annotations

import difflib
import itertools
from dataclasses import dataclass, field
from typing import Any

from fake_stripe.clock import MAX_SECONDS
from fake_stripe.fault_actions import FAULT_ACTIONS, TimesCounts
from fake_stripe.fault_rules import (
    FaultSpecError,
    Rule,
    RuleIndex,
    action_named,
    check_fields,
    draw,
    match_fields,
    params_of,
    probability_of,
    times_of,
)
from fake_stripe.objects.event_types import ENABLED_EVENTS
from fake_stripe.objects.events import Event, WebhookEndpoint


def _counting(unit: TimesCounts) -> tuple[str, ...]:
    return tuple(action.name for action in FAULT_ACTIONS if action.times_counts == unit)


# the phases follow from what ``times`` counts for each action (fake_stripe.fault_actions)
ONCE_PER_EVENT = _counting("events")
BEFORE_FIRST_ATTEMPT = _counting("deliveries")
ON_EVERY_ATTEMPT = _counting("attempts")
# on every attempt: first whether it is lost, then whether it fails, and only for an attempt
# actually sent, how (so a rule is never used up on an attempt it could not touch)
ON_SENT_ATTEMPT = tuple(action for action in ON_EVERY_ATTEMPT if action not in ("drop", "fail"))
ACTIONS = ONCE_PER_EVENT + BEFORE_FIRST_ATTEMPT + ON_EVERY_ATTEMPT
# the types a rule may name, sorted once: a simulation adds a rule per faulted session
EVENT_TYPES = sorted(ENABLED_EVENTS - {"*"})
__all__ = ["ACTIONS", "FaultBook", "FaultMatch", "FaultRule", "FaultSpecError", "draw"]


@dataclass(frozen=True)
class FaultMatch:
    event_type: str | None = None  # exact, or a prefix ending in ".*"
    object_id: str | None = None  # e.g. one checkout session's id
    endpoint: str | None = None  # an endpoint's id or URL

    def matches(self, event: Event, endpoint: WebhookEndpoint) -> bool:
        if self.event_type is not None:
            pattern = self.event_type
            if pattern.endswith(".*"):
                if not event.type.startswith(pattern[:-1]):
                    return False
            elif pattern not in ("*", event.type):
                return False
        if self.object_id is not None and event.object_id != self.object_id:
            return False
        return self.endpoint is None or self.endpoint in (endpoint.id, endpoint.url)

    def to_json(self) -> dict[str, str | None]:
        return {
            "event_type": self.event_type,
            "object_id": self.object_id,
            "endpoint": self.endpoint,
        }


@dataclass
class FaultRule(Rule):
    match: FaultMatch


@dataclass
class FaultBook:
    """Every rule by id, in the order added; rules for one object are also indexed by its id,
    so thousands of per-session rules (a simulation's schedule) cost a delivery only its own."""

    seed: int
    injected: dict[str, int] = field(default_factory=dict)  # action -> times applied
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _index: RuleIndex[FaultRule] = field(default_factory=RuleIndex)

    @property
    def rules(self) -> dict[str, FaultRule]:
        return self._index.rules

    def add(self, spec: dict[str, Any]) -> FaultRule:
        rule = parse_rule(spec, f"fault_{next(self._ids)}")
        self._index.add(rule)
        return rule

    def remove(self, rule_id: str) -> FaultRule | None:
        return self._index.remove(rule_id)

    def clear(self) -> None:
        self._index.clear()
        self.injected.clear()
        self._ids = itertools.count(1)

    def take(
        self, phase: tuple[str, ...], event: Event, endpoint: WebhookEndpoint, attempt: int
    ) -> list[FaultRule]:
        """The rules of ``phase`` that apply to this attempt, in the order they were added;
        each one counts the use."""
        taken = []
        for rule in self._index.candidates([event.object_id] if event.object_id else []):
            if rule.action not in phase or rule.exhausted:
                continue
            if not rule.match.matches(event, endpoint):
                continue
            if rule.probability is not None and not self._chance(rule, event, attempt):
                continue
            rule.applied += 1
            self.injected[rule.action] = self.injected.get(rule.action, 0) + 1
            taken.append(rule)
        return taken

    def _chance(self, rule: FaultRule, event: Event, attempt: int) -> bool:
        return draw(self.seed, rule.id, event.id, attempt) < (rule.probability or 0.0)


def parse_rule(spec: dict[str, Any], rule_id: str) -> FaultRule:
    check_fields(spec)
    action = action_named(spec, FAULT_ACTIONS)
    match = FaultMatch(**match_fields(spec.get("match"), ("event_type", "object_id", "endpoint")))
    if match.event_type is not None:
        _check_event_type("match.event_type", match.event_type, patterns=True)
    times = times_of(spec)
    probability = probability_of(spec)
    params = params_of(action, spec.get("params"))
    _check_ranges(action.name, params)
    return FaultRule(rule_id, action.name, match, times, params, probability)


def _check_ranges(action: str, params: dict[str, Any]) -> None:
    if action == "fail" and not (100 <= params["status"] <= 599 and params["status"] // 100 != 2):
        raise FaultSpecError(
            "params.status of fail must be an HTTP status from 100 to 599 outside 2xx"
        )
    if action == "duplicate" and not 1 <= params["count"] <= 50:
        raise FaultSpecError("params.count of duplicate must be from 1 to 50")
    for key in ("seconds", "age_seconds"):  # delay's, stale_timestamp's: on the fake clock
        if key in params and not 0 < params[key] <= MAX_SECONDS:
            raise FaultSpecError(
                f"params.{key} of {action} must be more than 0 and at most {MAX_SECONDS:g}"
            )
    if action == "reorder":
        _check_event_type("params.after of reorder", params["after"], patterns=False)


def _check_event_type(key: str, wanted: str, *, patterns: bool) -> None:
    """An event type Stripe sends (or, where ``patterns``, ``*`` or a prefix such as
    ``checkout.session.*`` that some type has): a rule for a type no event has would never
    apply, and the test that added it would pass without the fault it meant."""
    if wanted in EVENT_TYPES or (patterns and wanted == "*"):
        return
    if patterns and wanted.endswith(".*") and any(t.startswith(wanted[:-1]) for t in EVENT_TYPES):
        return
    close = difflib.get_close_matches(wanted, EVENT_TYPES, n=3) if len(wanted) < 100 else []
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise FaultSpecError(f"{key} {wanted!r} is not an event type Stripe sends{hint}")
