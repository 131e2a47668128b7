"""The fault vocabulary: every action a fault rule may name, the params each one takes, and what
a rule's ``times`` counts for it, declared once, as data.

The fake checks every rule against it (``fake_stripe.webhooks.faults``) and publishes it as JSON
at ``GET /_control/faults/actions`` for apps and tools in any language; ``fake_stripe.client``
re-exports it, so a Python tool (the harness's ``fault`` command) builds its options from it
before any fake runs. It is a module of its own that imports nothing, not even the rest of
fake_stripe: the client must load with httpx alone (no starlette, no uvicorn), and the fake's
own rules should not live in its HTTP client. Both import it from here.

An action's ``times_counts`` is the unit a use of the rule is: ``events`` (decided once per
event), ``deliveries`` (before a delivery's first attempt) or ``attempts`` (on every attempt);
for the faults on the app's own calls to the API (``API_FAULT_ACTIONS``), ``requests``.
A param with no default is required. Durations are seconds (``unit``), as everywhere in the
fake. An action's ``spoils`` says what an attempt it shapes no longer carries: ``delivery`` (the
app gets no good attempt: it is lost or answered as failed) or ``signature`` (the app gets one
it must refuse); the other actions change when or how often, never whether.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ParamType = Literal["integer", "number", "boolean", "string"]  # JSON's names
TimesCounts = Literal["events", "deliveries", "attempts", "requests"]
Spoils = Literal["delivery", "signature"]
Value = int | float | bool | str


@dataclass(frozen=True)
class FaultParam:
    name: str
    type: ParamType
    description: str  # one line
    default: Value | None = None  # None: the rule must give it
    unit: Literal["seconds"] | None = None
    placeholder: str | None = None  # how a usage line names the value (none for a flag)
    example: Value | None = None  # a value worth showing, e.g. in "delay needs --seconds 2h"

    @property
    def required(self) -> bool:
        return self.default is None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "default": self.default,
            "required": self.required,
            "unit": self.unit,
            "placeholder": self.placeholder,
            "example": self.example,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultParam:
        fields = {key: value for key, value in data.items() if key != "required"}
        return cls(**fields)


@dataclass(frozen=True)
class FaultAction:
    name: str
    description: str  # one line: what it does to the deliveries it matches
    times_counts: TimesCounts
    params: tuple[FaultParam, ...] = ()
    spoils: Spoils | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "times_counts": self.times_counts,
            "params": [param.to_json() for param in self.params],
            "spoils": self.spoils,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultAction:
        params = tuple(FaultParam.from_json(param) for param in data["params"])
        return cls(
            data["name"], data["description"], data["times_counts"], params, data.get("spoils")
        )


FAULT_ACTIONS: tuple[FaultAction, ...] = (
    FaultAction(
        "drop", "lose the delivery attempt; it is never retried", "attempts", spoils="delivery"
    ),
    FaultAction(
        "fail",
        "answer the attempt as the endpoint failing, with a status or a timeout",
        "attempts",
        (
            FaultParam(
                "status",
                "integer",
                "the HTTP status, 100 to 599 outside 2xx",
                default=500,
                placeholder="CODE",
                example=503,
            ),
            FaultParam("timeout", "boolean", "as a timed-out attempt", default=False, example=True),
        ),
        spoils="delivery",
    ),
    FaultAction(
        "duplicate",
        "send extra copies of the attempt, at once or one after another",
        "attempts",
        (
            FaultParam(
                "count", "integer", "extra copies (1-50)", default=1, placeholder="N", example=2
            ),
            FaultParam("concurrent", "boolean", "all at once", default=False, example=True),
        ),
    ),
    FaultAction(
        "delay",
        "hold the first attempt back on the fake clock",
        "deliveries",
        (
            FaultParam(
                "seconds",
                "number",
                "how long the first attempt waits",
                unit="seconds",
                placeholder="SECONDS",
                example=7200,
            ),
        ),
    ),
    FaultAction(
        "hold", "keep the delivery until it is released through the control API", "deliveries"
    ),
    FaultAction(
        "reorder",
        "deliver only after the next event of a type has reached the same endpoint",
        "deliveries",
        (
            FaultParam(
                "after",
                "string",
                "the event type to wait for",
                placeholder="TYPE",
                example="checkout.session.completed",
            ),
        ),
    ),
    FaultAction(
        "reissue",
        "send the same change again under a new event id (a copy is never reissued)",
        "events",
    ),
    FaultAction(
        "corrupt_signature",
        "send the attempt with a Stripe-Signature that does not match",
        "attempts",
        spoils="signature",
    ),
    FaultAction(
        "stale_timestamp",
        "sign the attempt in the past (by default beyond the 300 s tolerance)",
        "attempts",
        (
            FaultParam(
                "age_seconds",
                "number",
                "how old the signature's timestamp is",
                default=600,
                unit="seconds",
                placeholder="SECONDS",
                example=3600,
            ),
        ),
        spoils="signature",
    ),
    FaultAction(
        "wrong_secret",
        "sign the attempt with a secret that is not the endpoint's",
        "attempts",
        spoils="signature",
    ),
)


_PROCESSED = FaultParam(
    "processed",
    "boolean",
    "the request takes effect first: only the answer is lost",
    default=False,
    example=True,
)

# Faults on the app's own requests to /v1 (fake_stripe.api_faults): the API failing as it does
# in real life while the app creates a session, fulfils one or lists events. Never /_control,
# never the hosted Checkout page, never a request sent with OBSERVER_HEADER (a test's own read).
OBSERVER_HEADER = "Fake-Stripe-Observer"
API_FAULT_ACTIONS: tuple[FaultAction, ...] = (
    FaultAction(
        "error",
        "answer with an HTTP error and Stripe's error JSON (429 as a rate limit)",
        "requests",
        (
            FaultParam(
                "status",
                "integer",
                "the HTTP status, 400 to 599",
                default=500,
                placeholder="CODE",
                example=429,
            ),
            FaultParam(
                "retry_after",
                "number",
                "a Retry-After header, in seconds (0: none)",
                default=0,
                unit="seconds",
                placeholder="SECONDS",
                example=1,
            ),
            _PROCESSED,
        ),
    ),
    FaultAction(
        "timeout",
        "send no answer for a while, then close the connection (the client's timeout trips)",
        "requests",
        (
            FaultParam(
                "seconds",
                "number",
                "how long the connection is held open without an answer (at most 300)",
                default=30,
                unit="seconds",
                placeholder="SECONDS",
                example=5,
            ),
            _PROCESSED,
        ),
    ),
    FaultAction(
        "reset",
        "close the connection in the middle of the answer",
        "requests",
        (_PROCESSED,),
    ),
)


def fault_action(name: str) -> FaultAction | None:
    """The action called ``name``, or None when the vocabulary has no such action."""
    return next((action for action in FAULT_ACTIONS if action.name == name), None)


def spoiling(what: Spoils | None = None) -> tuple[str, ...]:
    """The actions that spoil ``what`` (``delivery`` or ``signature``), in the vocabulary's
    order; with no ``what``, every action that spoils anything."""
    return tuple(
        action.name
        for action in FAULT_ACTIONS
        if action.spoils is not None and what in (None, action.spoils)
    )
