"""What every fault rule shares, webhook or API: how ``times``, ``probability`` and ``params``
are checked against a vocabulary (``fake_stripe.fault_actions``), and the seeded draw that
decides a probabilistic rule.

``fake_stripe.webhooks.faults`` keeps the rules for deliveries, ``fake_stripe.api_faults`` the
rules for ``/v1`` requests; both parse through here, so a rule is written the same way for either.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from fake_stripe.fault_actions import FaultAction
from fake_stripe.protocol.json_input import finite_number

RULE_FIELDS = frozenset({"action", "match", "times", "params", "probability"})


class Match(Protocol):
    @property
    def object_id(self) -> str | None: ...  # the one object the rule is for, if it names one

    def to_json(self) -> dict[str, Any]: ...


@dataclass
class Rule:
    """A rule as the fake keeps it and the control API shows it; ``applied`` counts its uses."""

    id: str
    action: str
    match: Match
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


class FaultSpecError(ValueError):
    """A fault rule that cannot be understood; the message says which part."""


def draw(seed: int, *parts: object) -> float:
    """A number in [0, 1) fixed by its inputs alone: no shared random stream, so the order in
    which deliveries or requests happen cannot change a decision."""
    key = ":".join(str(part) for part in (seed, *parts))
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def check_fields(spec: Any) -> None:
    if not isinstance(spec, dict):
        raise FaultSpecError("a fault rule is a JSON object")
    unknown = set(spec) - RULE_FIELDS
    if unknown:
        raise FaultSpecError(f"unknown field(s) in fault rule: {', '.join(sorted(unknown))}")


def action_named(spec: dict[str, Any], vocabulary: tuple[FaultAction, ...]) -> FaultAction:
    name = spec.get("action")
    for action in vocabulary:
        if action.name == name:
            return action
    names = ", ".join(action.name for action in vocabulary)
    raise FaultSpecError(f"action must be one of {names}; got {name!r}")


R = TypeVar("R", bound=Rule)


class RuleIndex(Generic[R]):
    """Rules by id, in the order added; a rule for one object (a session) is also filed under
    that object's id, so the thousands of per-session rules of a simulation cost a request or a
    delivery only the rules for its own objects and those for any object."""

    def __init__(self) -> None:
        self.rules: dict[str, R] = {}
        self._any_object: dict[str, R] = {}
        self._by_object: dict[str, dict[str, R]] = {}

    def add(self, rule: R) -> None:
        self.rules[rule.id] = rule
        self._filed(rule.match.object_id)[rule.id] = rule

    def remove(self, rule_id: str) -> R | None:
        rule = self.rules.pop(rule_id, None)
        if rule is not None:
            self._filed(rule.match.object_id).pop(rule_id, None)
        return rule

    def clear(self) -> None:
        self.rules.clear()
        self._any_object.clear()
        self._by_object.clear()

    def candidates(self, object_ids: Iterable[str]) -> list[R]:
        """The rules that may apply to something about these objects, in the order added."""
        own = [rule for each in object_ids for rule in self._by_object.get(each, {}).values()]
        if not own:
            return list(self._any_object.values())
        return sorted([*self._any_object.values(), *own], key=added_order)

    def _filed(self, object_id: str | None) -> dict[str, R]:
        if object_id is None:
            return self._any_object
        return self._by_object.setdefault(object_id, {})


def added_order(rule: Rule) -> int:
    """Rule ids end in a counter (``fault_12``, ``api_fault_3``)."""
    return int(rule.id.rpartition("_")[2])


def match_fields(raw: Any, allowed: tuple[str, ...]) -> dict[str, str | None]:
    """``match`` as an object of optional strings with only ``allowed`` keys."""
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise FaultSpecError("match must be an object")
    unknown = set(raw) - set(allowed)
    if unknown:
        raise FaultSpecError(f"unknown field(s) in match: {', '.join(sorted(unknown))}")
    for key, value in raw.items():
        if value is not None and not isinstance(value, str):
            raise FaultSpecError(f"match.{key} must be a string")
    return {key: raw.get(key) for key in allowed}


def times_of(spec: dict[str, Any]) -> int | None:
    times = spec.get("times")
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
        raise FaultSpecError("times must be a positive whole number, or null for no bound")
    return times


def probability_of(spec: dict[str, Any]) -> float | None:
    probability = spec.get("probability")
    if probability is not None and (
        not isinstance(probability, int | float)
        or isinstance(probability, bool)
        or not 0 <= probability <= 1
    ):
        raise FaultSpecError("probability must be a number from 0 to 1")
    return probability


_TYPES: dict[str, type | tuple[type, ...]] = {
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "string": str,
}


def params_of(action: FaultAction, raw: Any) -> dict[str, Any]:
    """The rule's params checked against ``action``'s declared ones, defaults filled in."""
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise FaultSpecError("params must be an object")
    allowed = {param.name: param for param in action.params}
    unknown = set(raw) - set(allowed)
    if unknown:
        raise FaultSpecError(f"{action.name} takes no param(s) {', '.join(sorted(unknown))}")
    params: dict[str, Any] = {}
    for name, param in allowed.items():
        value = raw.get(name, param.default)
        if value is None:
            raise FaultSpecError(f"{action.name} needs params.{name}")
        kind = _TYPES[param.type]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise FaultSpecError(f"params.{name} of {action.name} has the wrong type")
        if param.type == "number" and finite_number(value) is None:  # inf, or an int past 1e308
            raise FaultSpecError(f"params.{name} of {action.name} must be a finite number")
        params[name] = value
    return params
