"""A short summary of the scenarios at the end of the terminal report, for people and CI logs:
how many ran, passed, failed and were not applicable to the app's profile (with the keys it
lacks), how long they took (median and 95th percentile), how long the resets took, and for each
failure the stage the diagnosis found broken. Works under pytest-xdist: it reads
the reports the controller receives (durations and ``user_properties``)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness.plugin.applicability import missing_of

SCENARIO_PROPERTY = "wallet_scenario"  # set on every test that ran on the stack
RESET_PROPERTY = "reset_ms"
STAGE_PROPERTY = "diagnosis_stage"
STEP_PROPERTY = "step_ms"


@dataclass
class _Tally:
    durations: dict[str, float] = field(default_factory=dict)  # nodeid -> call seconds
    failed: dict[str, str] = field(default_factory=dict)  # nodeid -> broken stage or ""
    resets_ms: dict[str, float] = field(default_factory=dict)  # nodeid -> reset ms
    not_applicable: dict[str, str] = field(default_factory=dict)  # nodeid -> missing keys


_TALLY = _Tally()


def _properties(report: pytest.TestReport) -> dict[str, object]:
    return {str(name): value for name, value in report.user_properties}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    missing = missing_of(report)
    if missing is not None and report.skipped:
        _TALLY.not_applicable[report.nodeid] = missing
        return
    properties = _properties(report)
    if SCENARIO_PROPERTY not in properties:
        return
    if report.when == "call":
        _TALLY.durations[report.nodeid] = report.duration
    if RESET_PROPERTY in properties:
        _TALLY.resets_ms[report.nodeid] = float(str(properties[RESET_PROPERTY]))
    if report.failed:
        _TALLY.failed.setdefault(report.nodeid, str(properties.get(STAGE_PROPERTY, "")))


_STEP_STARTED = pytest.StashKey[float]()


def pytest_bdd_before_step(request: pytest.FixtureRequest, step: Any) -> None:
    request.node.stash[_STEP_STARTED] = time.perf_counter()


def pytest_bdd_after_step(request: pytest.FixtureRequest, step: Any) -> None:
    """Each step's time, as a property (``step_ms``: "keyword name|ms"), for bench/bdd_suite.py."""
    started = request.node.stash.get(_STEP_STARTED, None)
    if started is not None:
        elapsed = (time.perf_counter() - started) * 1000
        request.node.user_properties.append((STEP_PROPERTY, f"{step.name}|{elapsed:.0f}"))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _TALLY.durations and not _TALLY.failed and not _TALLY.not_applicable:
        return
    durations = list(_TALLY.durations.values())
    write = terminalreporter.write_line
    terminalreporter.section("wallet harness: scenarios on the stack")
    passed = len(durations) - len([n for n in _TALLY.failed if n in _TALLY.durations])
    write(
        f"{len(_TALLY.durations)} scenarios ran, {passed} passed, {len(_TALLY.failed)} failed,"
        f" {len(_TALLY.not_applicable)} not applicable"
    )
    if durations:
        write(
            f"scenario time: median {statistics.median(durations):.2f} s,"
            f" p95 {percentile(durations, 0.95):.2f} s, slowest {max(durations):.2f} s"
        )
    resets = list(_TALLY.resets_ms.values())
    if resets:
        write(
            f"reset between scenarios: median {statistics.median(resets):.0f} ms,"
            f" max {max(resets):.0f} ms"
        )
    for nodeid, stage in _TALLY.failed.items():
        where = f"broke at stage '{stage}'" if stage else "no stage named"
        write(f"FAILED {nodeid}: {where}")
    for nodeid, missing in _TALLY.not_applicable.items():
        write(f"NOT APPLICABLE {nodeid}: the app profile has no {missing}")
