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

import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

from fake_stripe.fault_actions import FAULT_ACTIONS, TimesCounts, fault_action
from fake_stripe.objects.events import Event, WebhookEndpoint
from fake_stripe.protocol.json_input import finite_number


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


class FaultSpecError(ValueError):
    """A fault rule that cannot be understood; the message says which part."""


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
class FaultRule:
    id: str
    action: str
    match: FaultMatch
    times: int | None
    params: dict[str, Any]
    probability: float | None = None
    applied: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.applied >= self.times

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "match": self.match.to_json(),
            "times": self.times,
            "params": dict(self.params),
            "probability": self.probability,
            "applied": self.applied,
            "remaining": None if self.times is None else max(0, self.times - self.applied),
        }


@dataclass
class FaultBook:
    """Every rule by id, in the order added; rules for one object are also indexed by its id,
    so thousands of per-session rules (a simulation's schedule) cost a delivery only its own."""

    seed: int
    rules: dict[str, FaultRule] = field(default_factory=dict)
    injected: dict[str, int] = field(default_factory=dict)  # action -> times applied
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _any_object: dict[str, FaultRule] = field(default_factory=dict)
    _by_object: dict[str, dict[str, FaultRule]] = field(default_factory=dict)

    def add(self, spec: dict[str, Any]) -> FaultRule:
        rule = parse_rule(spec, f"fault_{next(self._ids)}")
        self.rules[rule.id] = rule
        self._index_for(rule)[rule.id] = rule
        return rule

    def remove(self, rule_id: str) -> FaultRule | None:
        rule = self.rules.pop(rule_id, None)
        if rule is not None:
            self._index_for(rule).pop(rule_id, None)
        return rule

    def clear(self) -> None:
        self.rules.clear()
        self._any_object.clear()
        self._by_object.clear()
        self.injected.clear()
        self._ids = itertools.count(1)

    def take(
        self, phase: tuple[str, ...], event: Event, endpoint: WebhookEndpoint, attempt: int
    ) -> list[FaultRule]:
        """The rules of ``phase`` that apply to this attempt, in the order they were added;
        each one counts the use."""
        taken = []
        for rule in self._candidates(event):
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

    def _index_for(self, rule: FaultRule) -> dict[str, FaultRule]:
        if rule.match.object_id is None:
            return self._any_object
        return self._by_object.setdefault(rule.match.object_id, {})

    def _candidates(self, event: Event) -> list[FaultRule]:
        own = self._by_object.get(event.object_id or "")
        if not own:
            return list(self._any_object.values())
        if not self._any_object:
            return list(own.values())
        return sorted([*self._any_object.values(), *own.values()], key=_added_order)

    def _chance(self, rule: FaultRule, event: Event, attempt: int) -> bool:
        return draw(self.seed, rule.id, event.id, attempt) < (rule.probability or 0.0)


def _added_order(rule: FaultRule) -> int:
    return int(rule.id.rpartition("_")[2])


def draw(seed: int, rule_id: str, event_id: str, attempt: int) -> float:
    """A number in [0, 1) fixed by its inputs alone: no shared random stream, so the order in
    which deliveries happen cannot change a decision."""
    digest = hashlib.sha256(f"{seed}:{rule_id}:{event_id}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def parse_rule(spec: dict[str, Any], rule_id: str) -> FaultRule:
    if not isinstance(spec, dict):
        raise FaultSpecError("a fault rule is a JSON object")
    unknown = set(spec) - {"action", "match", "times", "params", "probability"}
    if unknown:
        raise FaultSpecError(f"unknown field(s) in fault rule: {', '.join(sorted(unknown))}")
    action = spec.get("action")
    if action not in ACTIONS:
        raise FaultSpecError(f"action must be one of {', '.join(ACTIONS)}; got {action!r}")
    match = _match({} if spec.get("match") is None else spec["match"])
    times = spec.get("times")
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
        raise FaultSpecError("times must be a positive whole number, or null for no bound")
    probability = spec.get("probability")
    if probability is not None and (
        not isinstance(probability, int | float)
        or isinstance(probability, bool)
        or not 0 <= probability <= 1
    ):
        raise FaultSpecError("probability must be a number from 0 to 1")
    params = _params(action, {} if spec.get("params") is None else spec["params"])
    return FaultRule(rule_id, action, match, times, params, probability)


def _match(raw: Any) -> FaultMatch:
    if not isinstance(raw, dict):
        raise FaultSpecError("match must be an object")
    unknown = set(raw) - {"event_type", "object_id", "endpoint"}
    if unknown:
        raise FaultSpecError(f"unknown field(s) in match: {', '.join(sorted(unknown))}")
    for key, value in raw.items():
        if value is not None and not isinstance(value, str):
            raise FaultSpecError(f"match.{key} must be a string")
    return FaultMatch(raw.get("event_type"), raw.get("object_id"), raw.get("endpoint"))


_TYPES: dict[str, type | tuple[type, ...]] = {
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "string": str,
}


def _params(action: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise FaultSpecError("params must be an object")
    declared = fault_action(action)
    allowed = {param.name: param for param in declared.params} if declared else {}
    unknown = set(raw) - set(allowed)
    if unknown:
        raise FaultSpecError(f"{action} takes no param(s) {', '.join(sorted(unknown))}")
    params: dict[str, Any] = {}
    for name, param in allowed.items():
        value = raw.get(name, param.default)
        if value is None:
            raise FaultSpecError(f"{action} needs params.{name}")
        kind = _TYPES[param.type]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise FaultSpecError(f"params.{name} of {action} has the wrong type")
        if param.type == "number" and finite_number(value) is None:  # inf, or an int past 1e308
            raise FaultSpecError(f"params.{name} of {action} must be a finite number")
        params[name] = value
    if action == "fail" and not (100 <= params["status"] <= 599 and params["status"] // 100 != 2):
        raise FaultSpecError(
            "params.status of fail must be an HTTP status from 100 to 599 outside 2xx"
        )
    if action == "duplicate" and not 1 <= params["count"] <= 50:
        raise FaultSpecError("params.count of duplicate must be from 1 to 50")
    if action == "delay" and params["seconds"] <= 0:
        raise FaultSpecError("params.seconds of delay must be positive")
    if action == "stale_timestamp" and params["age_seconds"] <= 0:
        raise FaultSpecError("params.age_seconds of stale_timestamp must be positive")
    return params
