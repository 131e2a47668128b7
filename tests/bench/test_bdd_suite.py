"""The BDD suite's bench reads each scenario's time from the JUnit report, less the session's
start-ups, and holds a scenario tagged ``@real-slowness`` apart from the 3 s target: it is
listed as over, but not counted against the target (issue 16)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from bdd_suite import Run, counted, read_report  # noqa: E402

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
  <testcase name="test_first" time="5.500">
    <properties>
      <property name="startup_ms" value="stack|3000"/>
      <property name="wallet_scenario" value="http://127.0.0.1:1"/>
      <property name="reset_ms" value="20"/>
      <property name="step_ms" value="tops up £50.00 with card 4242|400"/>
    </properties>
  </testcase>
  <testcase name="test_slow_for_no_reason" time="3.400">
    <properties>
      <property name="wallet_scenario" value="http://127.0.0.1:1"/>
      <property name="reset_ms" value="18"/>
      <property name="step_ms" value="the reconciliation sweep runs|2900"/>
    </properties>
  </testcase>
  <testcase name="test_waits_out_the_apps_timeout" time="3.200">
    <properties>
      <property name="wallet_scenario" value="http://127.0.0.1:1"/>
      <property name="reset_ms" value="19"/>
      <property name="real-slowness" value="1"/>
      <property name="step_ms" value="opens the dashboard later|2600"/>
    </properties>
  </testcase>
  <testcase name="test_ledger" time="0.040"/>
  <testcase name="test_broken" time="0.900">
    <properties><property name="wallet_scenario" value="http://127.0.0.1:1"/></properties>
    <failure message="boom"/>
  </testcase>
</testsuite></testsuites>
"""


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """REPORT, read as the bench reads a run's report."""
    junit = tmp_path / "junit.xml"
    junit.write_text(REPORT, encoding="utf-8")
    return read_report(junit, wall=12.0)


def test_a_scenario_about_real_slowness_is_listed_but_not_counted(run: Run) -> None:
    assert [(over.name, over.real_slowness) for over in run.slow] == [
        ("test_slow_for_no_reason", False),
        ("test_waits_out_the_apps_timeout", True),
    ]
    assert counted(run) == 1
    assert run.slow[0].steps == [(2900.0, "the reconciliation sweep runs")]


def test_the_session_start_up_is_not_the_first_scenarios_time(run: Run) -> None:
    assert run.startups == [("stack", 3.0)]
    assert sorted(run.browser) == [0.9, 2.5, 3.2, 3.4]
    assert run.other == [0.04]
    assert run.failed == 1
    assert run.steps_ms["tops up # with card #"] == [400.0]
