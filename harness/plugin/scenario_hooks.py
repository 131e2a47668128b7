"""Hooks around each scenario: a time limit for those on the stack, the money checked after
each (whatever its steps asserted), and, when one fails, the stage-by-stage diagnosis at the
top of its report. Registered by ``harness.plugin.entry``."""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

import pytest

from harness.plugin.keys import FAILED_STEP_KEY, SCENARIO_KEY, STEP_FAILED_KEY

STACK_FIXTURE = "wallet_scenario"
LEDGER_FIXTURE = "ledger"  # the ledger features' driver, on a database of their own
SEED_BUG_TAG = "seed-bug"  # scenarios that lose money on purpose: the bug report's app
# the after-scenario checks' time, "flow ms|screen ms", for bench/bdd_suite.py: scenario time
# no step accounts for
CHECKS_PROPERTY = "checks_ms"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A scenario that hangs fails with a message instead of stalling CI (pytest-timeout). The
    ``@seed-bug`` scenarios run last, in their order: the session's one stack restarts its app
    with the bug report's defects once for them, not there and back in the middle of the run
    (the defect matrix's own order, by defect, is kept: it sorts after this)."""
    seed_bug_last(items)
    limit = config.getoption("scenario_timeout")
    for item in items:
        uses_stack = STACK_FIXTURE in getattr(item, "fixturenames", ())
        if uses_stack and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(limit))


def seed_bug_last(items: list[pytest.Item]) -> None:
    """Move the ``@seed-bug`` scenarios after the others, each group in its own order."""
    items.sort(key=lambda item: item.get_closest_marker(SEED_BUG_TAG) is not None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed scenario's report starts with the flow trace of its top-ups, built while its page
    is still open (the call phase's report is made before the fixtures are torn down)."""
    report = yield
    scenario = item.stash.get(SCENARIO_KEY, None)
    if report.failed and scenario is not None:
        from harness.diagnosis import blame
        from harness.diagnosis.failure_report import explain_failure

        try:
            failure = None
            if call.excinfo is not None:
                step = item.stash.get(FAILED_STEP_KEY, None)
                tags = [mark.name for mark in item.iter_markers()]
                failure = blame(call.excinfo.value, step, tags)
            explain_failure(item, report, scenario, failure)
        except Exception as error:  # the scenario's own failure must always reach the report
            report.sections.append(("flow trace", f"the diagnosis failed: {error!r}"))
    return report


def pytest_bdd_step_error(request: pytest.FixtureRequest, step: Any, **_: Any) -> None:
    request.node.stash[STEP_FAILED_KEY] = True
    request.node.stash[FAILED_STEP_KEY] = f"{step.keyword} {step.name}"


def pytest_bdd_after_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """Whatever a scenario asserted, the money must still add up afterwards: the ledger for the
    ledger features; the ledger against Stripe's record for the scenarios on the stack, and
    each dashboard that updated itself must show what a reload of it shows.

    Skipped when a step already failed, so the step's own message stays the one reported, and
    for ``@seed-bug`` scenarios, which reproduce money going missing on purpose.
    """
    if request.node.stash.get(STEP_FAILED_KEY, False):
        return
    if STACK_FIXTURE in request.fixturenames:
        if request.node.get_closest_marker(SEED_BUG_TAG) is None:
            from harness.checks.flow import assert_flow_sound
            from harness.checks.screen import live_pages_agree_with_reload

            scenario = request.getfixturevalue(STACK_FIXTURE)
            started = time.perf_counter()
            assert_flow_sound(scenario)
            flow_done = time.perf_counter()
            live_pages_agree_with_reload(scenario)
            flow_ms, screen_ms = (
                (flow_done - started) * 1000,
                (time.perf_counter() - flow_done) * 1000,
            )
            request.node.user_properties.append((CHECKS_PROPERTY, f"{flow_ms:.0f}|{screen_ms:.0f}"))
    elif LEDGER_FIXTURE in request.fixturenames:
        from harness.records.ledger_invariants import assert_ledger_sound

        driver = request.getfixturevalue(LEDGER_FIXTURE)
        assert_ledger_sound(driver.conn, driver.book)
