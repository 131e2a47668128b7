"""``wallet-harness run`` as a user runs it: tags and -k reach pytest, and a run that selects
nothing or names an unknown tag is never green."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_run_passes_tags_to_pytest_and_reports_the_scenarios(tmp_path: Path) -> None:
    done = harness_run(tmp_path, "--tags", "ledger", "-k", "terminal")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Feature: Manual terminal credit" in done.stdout
    assert "Scenario: Support credits the report's organisation from the terminal PASSED" in (
        done.stdout
    )
    # the two terminal-credit scenarios ran; every other scenario was deselected by the tags
    assert re.search(r"\b2 passed, \d+ deselected", done.stdout), done.stdout[-500:]


def harness_run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", "run", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_run_fails_when_no_scenario_is_selected(tmp_path: Path) -> None:
    done = harness_run(tmp_path, "--tags", "ledger", "-k", "no_such_scenario")
    assert done.returncode == 5  # pytest's "no tests ran": never green


def test_run_refuses_an_unregistered_tag(tmp_path: Path) -> None:
    done = harness_run(tmp_path, "--tags", "no_such_tag")
    assert done.returncode != 0
    assert "no_such_tag" in done.stdout + done.stderr
