"""Fault rules for the app's own calls to the API: ``/v1`` requests answered with an error, held
until the client times out, or cut off mid-answer, as Stripe's API and the network between fail
in real life.

``{id, action, match: {method?, path?, object_id?, fields?}, times, params, probability?}``: the
same shape as a webhook fault (``fake_stripe.webhooks.faults``); the actions are
``fake_stripe.fault_actions.API_FAULT_ACTIONS``. ``path`` is a glob over the request's path
(``/v1/checkout/sessions/*``), ``object_id`` one path segment (a session's id), ``fields``
parameters the request must carry with these values, named as the form encodes them
(``{"client_reference_id": "org_7"}``, ``{"metadata[org_id]": "org_7"}``): in the body of a POST,
in the query of a GET. A creation has no id yet; ``fields`` is how a rule picks out one
customer's creation among many in flight. Only ``/v1``
requests ever meet a rule: the control API and the hosted Checkout page never fail, and neither
does a request that says it only observes (``Fake-Stripe-Observer: true``): a test reading
Stripe to check the app must not use up, or meet, the faults meant for the app.

A probabilistic rule decides from (seed, rule id, method, path, body, and how many times that
same request came before under the rule), never from a shared random stream, so the same requests
meet the same faults however they interleave; a client's retry of a request is a fresh draw.
Every fault applied is recorded (``hits``), for the harness's evidence.
"""

from __future__ import annotations

import fnmatch
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fake_stripe.fault_actions import API_FAULT_ACTIONS
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

METHODS = ("GET", "POST", "DELETE")
MAX_HOLD_SECONDS = 300.0
MAX_RETRY_AFTER = 3600.0
KEPT_HITS = 10_000


@dataclass(frozen=True)
class ApiFaultMatch:
    method: str | None = None  # GET, POST or DELETE; None or "*": any
    path: str | None = None  # a glob over the path, e.g. /v1/checkout/sessions/*
    object_id: str | None = None  # one segment of the path, e.g. a session's id
    fields: tuple[tuple[str, str], ...] = ()  # (form name, value) the request must carry

    def matches(
        self, method: str, path: str, form: Callable[[], set[tuple[str, str]]] = set
    ) -> bool:
        """``form`` gives the request's parameters (read only when the rule names fields)."""
        if self.method not in (None, "*", method):
            return False
        if self.path is not None and not fnmatch.fnmatchcase(path, self.path):
            return False
        if self.object_id is not None and self.object_id not in path.split("/"):
            return False
        return not self.fields or set(self.fields) <= form()

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "object_id": self.object_id,
        }
        if self.fields:
            shown["fields"] = dict(self.fields)
        return shown


@dataclass
class ApiFaultRule(Rule):
    match: ApiFaultMatch

    @property
    def processed(self) -> bool:
        """The request takes effect before the fault: only its answer is lost."""
        return bool(self.params.get("processed"))


@dataclass(frozen=True)
class ApiFaultHit:
    """One request a rule faulted: what the app asked and what it got instead of the answer."""

    rule_id: str
    action: str
    method: str
    path: str
    request_id: str
    at: float  # the fake clock's time
    status: int | None  # the status answered (error); None: no answer at all
    processed: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "action": self.action,
            "method": self.method,
            "path": self.path,
            "request_id": self.request_id,
            "at": self.at,
            "status": self.status,
            "processed": self.processed,
        }


@dataclass
class ApiFaultBook:
    seed: int
    injected: dict[str, int] = field(default_factory=dict)  # action -> times applied
    hits: deque[ApiFaultHit] = field(default_factory=lambda: deque(maxlen=KEPT_HITS))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _seen: dict[tuple[str, str], int] = field(default_factory=dict)  # (rule, request) -> times
    _index: RuleIndex[ApiFaultRule] = field(default_factory=RuleIndex)

    @property
    def rules(self) -> dict[str, ApiFaultRule]:
        return self._index.rules

    def add(self, spec: dict[str, Any]) -> ApiFaultRule:
        rule = parse_api_rule(spec, f"api_fault_{next(self._ids)}")
        self._index.add(rule)
        return rule

    def remove(self, rule_id: str) -> ApiFaultRule | None:
        return self._index.remove(rule_id)

    def clear(self) -> None:
        self._index.clear()
        self.injected.clear()
        self.hits.clear()
        self._seen.clear()
        self._ids = itertools.count(1)

    def take(
        self,
        method: str,
        path: str,
        fingerprint: str,
        request_id: str,
        now: float,
        raw: bytes = b"",
    ) -> ApiFaultRule | None:
        """The first rule, in the order added, that faults this request; it counts the use and
        the request is recorded. ``fingerprint`` stands for the request's body or query, ``raw``
        is that body or query (form-encoded) for the rules that name fields."""
        parsed: set[tuple[str, str]] | None = None

        def form() -> set[tuple[str, str]]:
            nonlocal parsed
            if parsed is None:
                text = raw.decode("utf-8", errors="replace")
                parsed = set(parse_qsl(text, keep_blank_values=True))
            return parsed

        for rule in self._index.candidates(path.split("/")):
            if rule.exhausted or not rule.match.matches(method, path, form):
                continue
            if rule.probability is not None and not self._chance(rule, method, path, fingerprint):
                continue
            rule.applied += 1
            self.injected[rule.action] = self.injected.get(rule.action, 0) + 1
            status = rule.params["status"] if rule.action == "error" else None
            hit = ApiFaultHit(
                rule.id, rule.action, method, path, request_id, now, status, rule.processed
            )
            self.hits.append(hit)
            return rule
        return None

    def _chance(self, rule: ApiFaultRule, method: str, path: str, fingerprint: str) -> bool:
        request = f"{method} {path} {fingerprint}"
        before = self._seen.get((rule.id, request), 0)
        self._seen[(rule.id, request)] = before + 1
        return draw(self.seed, rule.id, request, before) < (rule.probability or 0.0)


def parse_api_rule(spec: dict[str, Any], rule_id: str) -> ApiFaultRule:
    check_fields(spec)
    action = action_named(spec, API_FAULT_ACTIONS)
    match = _match(spec.get("match"))
    times = times_of(spec)
    probability = probability_of(spec)
    params = params_of(action, spec.get("params"))
    _check_ranges(action.name, params)
    return ApiFaultRule(rule_id, action.name, match, times, params, probability)


def _match(raw: Any) -> ApiFaultMatch:
    raw = dict(raw) if isinstance(raw, dict) else raw
    form = _form_fields(raw.pop("fields", None) if isinstance(raw, dict) else None)
    fields = match_fields(raw, ("method", "path", "object_id"))
    method = fields["method"]
    if method is not None and method != "*":
        method = method.upper()
        if method not in METHODS:
            raise FaultSpecError(f"match.method must be one of {', '.join(METHODS)} or *")
    path = fields["path"]
    if path is not None and path != "*" and not path.startswith("/v1/"):
        raise FaultSpecError(
            "match.path must start with /v1/ (or be *): only the API's requests can fail,"
            " never /_control or the hosted Checkout page"
        )
    return ApiFaultMatch(method, None if path == "*" else path, fields["object_id"], form)


MAX_FIELDS = 20


def _form_fields(raw: Any) -> tuple[tuple[str, str], ...]:
    """``match.fields``: an object of form names to string values."""
    if raw is None:
        return ()
    if not isinstance(raw, dict) or len(raw) > MAX_FIELDS:
        raise FaultSpecError(f"match.fields must be an object of at most {MAX_FIELDS} fields")
    for name, value in raw.items():
        if not name or not isinstance(value, str):
            raise FaultSpecError("match.fields must map parameter names to string values")
    return tuple(sorted(raw.items()))


def _check_ranges(action: str, params: dict[str, Any]) -> None:
    if action == "error" and not 400 <= params["status"] <= 599:
        raise FaultSpecError("params.status of error must be an HTTP status from 400 to 599")
    if action == "error" and not 0 <= params["retry_after"] <= MAX_RETRY_AFTER:
        raise FaultSpecError(
            f"params.retry_after of error must be from 0 to {MAX_RETRY_AFTER:g} seconds"
        )
    if action == "timeout" and not 0 < params["seconds"] <= MAX_HOLD_SECONDS:
        raise FaultSpecError(
            f"params.seconds of timeout must be more than 0 and at most {MAX_HOLD_SECONDS:g}"
        )
