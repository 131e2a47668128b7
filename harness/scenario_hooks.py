"""Hooks around each scenario that runs on the stack: a time limit, and (when one fails) the
stage-by-stage diagnosis at the top of its report. Registered by ``harness.pytest_plugin``."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from harness.pytest_plugin import SCENARIO_KEY

STACK_FIXTURE = "wallet_scenario"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A scenario that hangs fails with a message instead of stalling CI (pytest-timeout)."""
    limit = config.getoption("scenario_timeout")
    for item in items:
        uses_stack = STACK_FIXTURE in getattr(item, "fixturenames", ())
        if uses_stack and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(limit))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed scenario's report starts with the flow trace of its top-ups, built while its page
    is still open (the call phase's report is made before the fixtures are torn down)."""
    report = yield
    scenario = item.stash.get(SCENARIO_KEY, None)
    if report.failed and scenario is not None:
        from harness.diagnosis.failure_report import explain_failure

        try:
            explain_failure(item, report, scenario)
        except Exception as error:  # the scenario's own failure must always reach the report
            report.sections.append(("flow trace", f"the diagnosis failed: {error!r}"))
    return report
