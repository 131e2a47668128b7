"""pytest-bdd's cucumber JSON under pytest-xdist.

pytest-bdd 9 keeps each report's scenario (steps, tags, outcome) in a registry keyed by the
report object. Under xdist the report the controller receives is a new object rebuilt from
JSON, so the registry misses it and ``--cucumberjson`` writes an empty list. These two hooks
carry the scenario across: added to the serialised report on the worker, put back in the
registry on the controller.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from pytest_bdd.reporting import ReportContext, test_report_context_registry

KEY = "wallet_harness_bdd_context"


@pytest.hookimpl(wrapper=True)
def pytest_report_to_serializable(
    config: pytest.Config, report: pytest.TestReport
) -> Generator[None, dict[str, Any] | None, dict[str, Any] | None]:
    data = yield
    context = test_report_context_registry.get(report) if data is not None else None
    if data is not None and context is not None:
        data[KEY] = {"scenario": context.scenario, "name": context.name}
    return data


@pytest.hookimpl(wrapper=True)
def pytest_report_from_serializable(
    config: pytest.Config, data: dict[str, Any]
) -> Generator[None, object, object]:
    context = data.pop(KEY, None)
    report = yield
    if context is not None and isinstance(report, pytest.TestReport):
        test_report_context_registry[report] = ReportContext(**context)
    return report
