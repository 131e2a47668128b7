"""Scenarios the app's profile cannot support are not run and not passed: not applicable.

At collection, each scenario's sentences are matched to their step functions (pytest-bdd's own
registries); a step marked ``@needs(key)`` (``harness.profile.needs``) whose key the profile
lacks makes the whole scenario not applicable. Such a scenario is stopped before any fixture
runs (no stack reset, no browser) and reported as ``NOT APPLICABLE`` with the missing keys: in
the terminal, in pytest's closing count, in JUnit (a ``<skipped>`` with the reason, and a
``not_applicable`` property) and in the HTML report. ``harness.plugin.summary`` counts them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from pytest_bdd.parser import ScenarioTemplate, Step
from pytest_bdd.scenario import scenario_wrapper_template_registry
from pytest_bdd.steps import step_function_context_registry

from harness.profile.model import AppProfile
from harness.profile.needs import missing_keys, needed_by

PROPERTY = "not_applicable"  # user property: the missing keys, comma-separated
REASON = "not applicable: the app profile has no "
_MISSING = pytest.StashKey[list[str]]()


def scenario_steps(item: pytest.Item) -> list[Step] | None:
    """The scenario's steps as they run (an outline's example filled in), or None for a test
    that is not a scenario."""
    function = getattr(item, "obj", None)
    template: ScenarioTemplate | None = (
        scenario_wrapper_template_registry.get(function) if callable(function) else None
    )
    if template is None:
        return None
    callspec = getattr(item, "callspec", None)
    example = callspec.params.get("_pytest_bdd_example", {}) if callspec else {}
    return template.render(example).steps


def keys_needed(steps: Iterable[Step]) -> list[str]:
    """Every profile key the steps' functions say they need, in the order they first appear."""
    keys: list[str] = []
    contexts = list(step_function_context_registry.values())
    for step in steps:
        for context in contexts:
            if context.type not in (None, step.type) or not context.parser.is_matching(step.name):
                continue
            keys.extend(key for key in needed_by(context.step_func) if key not in keys)
    return keys


def mark_not_applicable(items: list[pytest.Item], profile: Callable[[], AppProfile]) -> int:
    """Mark every scenario the profile cannot support; how many were marked. The profile is
    read only when there is a scenario to judge."""
    marked = 0
    for item in items:
        steps = scenario_steps(item)
        needed = keys_needed(steps) if steps else []
        missing = missing_keys(profile(), needed) if needed else []
        if missing:
            item.stash[_MISSING] = missing
            item.user_properties.append((PROPERTY, ", ".join(missing)))
            marked += 1
    return marked


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from harness.plugin.fixtures import profile_for

    mark_not_applicable(items, lambda: profile_for(config).app)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    missing = item.stash.get(_MISSING, None)
    if missing:
        pytest.skip(REASON + ", ".join(missing))


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, str] | None:
    if report.skipped and any(name == PROPERTY for name, _ in report.user_properties):
        return "not applicable", "n", "NOT APPLICABLE"
    return None


def missing_of(report: Any) -> str | None:
    """The missing keys a report's scenario was not applicable for, if it was not."""
    for name, value in getattr(report, "user_properties", ()):
        if name == PROPERTY:
            return str(value)
    return None
