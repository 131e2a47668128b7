"""Checks about the app's own requests to Stripe's API that the scenario faulted: how many the
fake's rules took, and a reconciliation sweep the faults made fail.

A sweep that fails is run where the scenario says it will: its exit status must say so, and
what it printed must name the failure (a crash's stack trace alone is not a report). Every sweep
is counted on the scenario's notes, so the diagnosis can tell a sweep the faults stopped from
one that ran and still credited nothing.
"""

from __future__ import annotations

from harness.drivers.api_faults import ApiFaults, describe
from harness.scenario import Scenario

# what a failed check here is about (harness.diagnosis.blame): a count of faulted requests that
# differs is about the scenario's own faults; a sweep that did not do as expected, the rescue
FAILURE_STAGE = "steps"
FAILURE_STAGES = {"sweep_runs": "rescue", "sweep_fails_saying": "rescue"}
SWEEPS = "sweeps"  # the scenario's notes: how many sweeps ran
FAILED_SWEEPS = "failed_sweeps"  # ... and how many of them failed, as the scenario expected


def faulted_requests(api_faults: ApiFaults, expected: int) -> None:
    """The fake's API fault rules took exactly ``expected`` requests since the reset."""
    hits = api_faults.hits()
    if len(hits) != expected:
        raise AssertionError(
            f"expected {expected} faulted request(s) to Stripe's API, got {len(hits)}:\n"
            f"{describe(hits)}"
        )


def sweep_runs(scenario: Scenario) -> str:
    """Run the app's reconciliation sweep once the stack is quiet; it must succeed. Returns
    what it printed."""
    scenario.wait_until_quiet()  # the sweep looks at what the webhooks left behind
    _count_sweep(scenario, failed=False)
    return scenario.stack.reconcile()


def sweep_fails_saying(scenario: Scenario, text: str) -> str:
    """Run the app's reconciliation sweep once the stack is quiet, expecting it to fail: a
    non-zero exit status, and ``text`` (in any case) in what it printed. Returns the output."""
    scenario.wait_until_quiet()  # the sweep looks at what the webhooks left behind
    status, output = scenario.stack.reconcile_may_fail()
    _count_sweep(scenario, failed=True)
    if status == 0:
        raise AssertionError(f"the reconciliation sweep succeeded (exit 0):\n{output}")
    if text.lower() not in output.lower():
        raise AssertionError(
            f"the failed reconciliation sweep (exit {status}) does not say {text!r}:\n{output}"
        )
    return output


def _count_sweep(scenario: Scenario, *, failed: bool) -> None:
    notes = scenario.notes
    notes["reconciled"] = True  # the diagnosis judges the rescue by it
    notes[SWEEPS] = int(notes.get(SWEEPS, 0)) + 1
    if failed:
        notes[FAILED_SWEEPS] = int(notes.get(FAILED_SWEEPS, 0)) + 1
