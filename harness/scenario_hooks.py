"""Hooks around each scenario that runs on the stack: a time limit, and (when one fails) the
stage-by-stage diagnosis at the top of its report. Registered by ``harness.pytest_plugin``."""

from __future__ import annotations

import pytest

STACK_FIXTURE = "wallet_scenario"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A scenario that hangs fails with a message instead of stalling CI (pytest-timeout)."""
    limit = config.getoption("scenario_timeout")
    for item in items:
        uses_stack = STACK_FIXTURE in getattr(item, "fixturenames", ())
        if uses_stack and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(limit))
