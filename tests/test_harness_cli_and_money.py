"""wallet-harness's command line, and the one money parser the steps use."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.money import format_money, parse_money
from harness.project import ProjectNotFound, find_project_root

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("text", "pence"),
    [("£50.00", 5000), ("£0.04", 4), ("-£5.00", -500), ("£1,000.00", 100000), ("£1000.00", 100000)],
)
def test_money_as_people_write_it(text: str, pence: int) -> None:
    assert parse_money(text) == pence
    assert parse_money(format_money(pence)) == pence


@pytest.mark.parametrize("text", ["50", "£50", "£50.0", "$50.00", "£5,0.00", "£-5.00", ""])
def test_anything_else_is_not_money(text: str) -> None:
    with pytest.raises(ValueError, match=r"not an amount of money like £50\.00"):
        parse_money(text)


def test_the_project_is_found_from_inside_it_and_from_the_install(tmp_path: Path) -> None:
    assert find_project_root(REPO_ROOT / "features" / "ledger") == REPO_ROOT
    assert find_project_root(tmp_path) == REPO_ROOT  # via the editable install's location


def test_a_checkout_without_features_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("harness.project.__file__", str(tmp_path / "harness" / "project.py"))
    with pytest.raises(ProjectNotFound, match="run wallet-harness from the project checkout"):
        find_project_root(tmp_path)


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
