"""What happens to the app's own requests to Stripe's API, one method per sentence-level fault,
through the fake's control API (``fake_stripe.client.FakeStripeControl``).

A rule is added for one stage of the flow, by the request that stage makes: ``CREATION`` (the
app creates the Checkout Session), ``READ`` (fulfilment reads a session, whichever path asks:
the worker, the landing page or the sweep) and ``LISTING`` (the sweep lists Stripe's events).
``times`` counts requests, the SDK's own retries included (``times=None``: every one). A fault
is in place before the request it is meant for; the fake's reset clears every rule and hit.

``hits`` reads back every request a rule took, as evidence. The harness's own reads of Stripe
(the records, the diagnosis) are marked as a test's observation (``harness.stack.observer``), so
a rule meets only the app's requests and is never used up by a check.
"""

from __future__ import annotations

from dataclasses import dataclass

from fake_stripe.client import ApiFaultHit, FakeStripeControl, FaultRule


@dataclass(frozen=True)
class ApiStage:
    """The request one stage of the flow makes to Stripe, as a rule matches it."""

    name: str  # what the diagnosis and the sentences call it
    method: str
    path: str  # a glob over the request's path


CREATION = ApiStage("checkout session creation", "POST", "/v1/checkout/sessions")
READ = ApiStage("checkout session read", "GET", "/v1/checkout/sessions/*")
LISTING = ApiStage("events list", "GET", "/v1/events")
STAGES = (CREATION, READ, LISTING)


def stage_of(method: str, path: str) -> ApiStage | None:
    """Which stage's request ``method path`` is (None: one no stage here makes)."""
    if method == "POST" and path == CREATION.path:
        return CREATION
    if method == "GET" and path.startswith("/v1/checkout/sessions/"):
        return READ
    if method == "GET" and path == LISTING.path:
        return LISTING
    return None


class ApiFaults:
    def __init__(self, control: FakeStripeControl) -> None:
        self.control = control

    def answer(
        self,
        stage: ApiStage,
        status: int,
        *,
        times: int | None = 1,
        retry_after: float = 0,
        processed: bool = False,
    ) -> FaultRule:
        """The next ``times`` requests of ``stage`` are answered ``status`` with Stripe's error
        JSON (with ``Retry-After`` when ``retry_after`` is given); ``processed``: Stripe did
        the work first, only the answer says otherwise."""
        return self.control.add_api_fault(
            "error",
            method=stage.method,
            path=stage.path,
            times=times,
            status=status,
            retry_after=retry_after,
            processed=processed,
        )

    def time_out(
        self, stage: ApiStage, *, times: int | None = 1, processed: bool = False
    ) -> FaultRule:
        """The next ``times`` requests of ``stage`` get no answer: the connection is held until
        the app's own timeout gives up on it."""
        return self.control.add_api_fault(
            "timeout", method=stage.method, path=stage.path, times=times, processed=processed
        )

    def cut(self, stage: ApiStage, *, times: int | None = 1, processed: bool = False) -> FaultRule:
        """The next ``times`` requests of ``stage`` have their connection cut mid-answer;
        ``processed``: after Stripe did the work (the session exists, saved under the
        request's Idempotency-Key)."""
        return self.control.add_api_fault(
            "reset", method=stage.method, path=stage.path, times=times, processed=processed
        )

    def end(self, rule: FaultRule) -> None:
        """The rule takes no more requests."""
        self.control.remove_api_fault(rule.id)

    # -- what happened -------------------------------------------------------------------------

    def hits(self, stage: ApiStage | None = None) -> list[ApiFaultHit]:
        """Every request a rule took since the reset (of ``stage`` when given), oldest first."""
        found = self.control.api_fault_hits()
        if stage is None:
            return found
        return [hit for hit in found if stage_of(hit.method, hit.path) == stage]


def describe_hit(hit: ApiFaultHit) -> str:
    """``POST /v1/checkout/sessions: error 503 (api_fault_1, req_...)``, one line."""
    answer = f"{hit.action} {hit.status}" if hit.status is not None else f"{hit.action}, no answer"
    processed = ", processed" if hit.processed else ""
    return f"{hit.method} {hit.path}: {answer}{processed} ({hit.rule_id}, {hit.request_id})"


def describe(hits: list[ApiFaultHit]) -> str:
    """The hits as lines, for an assertion's message."""
    return "\n".join(f"  {describe_hit(hit)}" for hit in hits) or "  (no request faulted)"
