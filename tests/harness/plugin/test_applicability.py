"""A scenario whose steps need a profile key the app's profile lacks is not run and not passed:
it is reported as not applicable, with the key, in the terminal, JUnit and the HTML report.

Each test runs pytest for real on a small project of its own (a feature, its steps, a profile),
as a team running ``pytest`` on its own features would.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.profile.loading import parse_profile
from harness.profile.needs import missing_keys, needed_by, needs
from tests.harness.profile.screens import SCREEN_TOML

# tagged @ledger: these scenarios need no stack (the harness starts one for any other)
FEATURE = """\
@ledger
Feature: Rescue
  Scenario: The sweep credits a payment the webhook missed
    Given a payment the webhook missed
    When the reconciliation sweep runs
    Then the wallet is credited

  Scenario: The webhook credits a payment
    Given a payment the webhook delivered
    Then the wallet is credited
"""

STEPS = """\
from pathlib import Path

from pytest_bdd import given, scenarios, then, when

from harness.profile.needs import needs

scenarios("rescue.feature")
RAN = Path(__file__).with_name("ran.txt")


def note(text):
    with RAN.open("a") as file:
        file.write(text + "\\n")


@given("a payment the webhook missed")
def missed():
    note("missed")


@given("a payment the webhook delivered")
def delivered():
    note("delivered")


@when("the reconciliation sweep runs")
@needs("capabilities.reconcile")
def sweep():
    note("sweep")


@then("the wallet is credited")
def credited():
    note("credited")
"""

PROFILE = (
    """\
name = "tiny"
[processes.web]
command = ["true"]
[database]
schema_sql = ["schema.sql"]
"""
    + SCREEN_TOML
)


def run_pytest(project: Path, profile: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    (project / "rescue.feature").write_text(FEATURE)
    (project / "test_rescue.py").write_text(STEPS)
    (project / "app.toml").write_text(profile)
    (project / "pytest.ini").write_text("[pytest]\nmarkers = ledger: no stack\n")
    junit = project / "junit.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "--app-profile",
            "app.toml",
            f"--junitxml={junit}",
            f"--html={project / 'report.html'}",
            "test_rescue.py",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done, junit


def test_a_scenario_needing_a_missing_key_is_not_run_and_reported_with_the_key(
    tmp_path: Path,
) -> None:
    done, junit = run_pytest(tmp_path, PROFILE)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed, 1 not applicable in" in done.stdout  # pytest's own count
    assert (  # the harness's summary names the scenario and the key
        "NOT APPLICABLE test_rescue.py::test_the_sweep_credits_a_payment_the_webhook_missed:"
        " the app profile has no capabilities.reconcile"
    ) in done.stdout
    # none of its steps ran, not even the Given before the step that needs the key
    assert (tmp_path / "ran.txt").read_text().split() == ["delivered", "credited"]
    tree = ET.parse(junit)  # noqa: S314 (the report this test just wrote)
    cases = {case.get("name"): case for case in tree.iter("testcase")}
    skipped = cases["test_the_sweep_credits_a_payment_the_webhook_missed"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == (
        "not applicable: the app profile has no capabilities.reconcile"
    )
    assert cases["test_the_webhook_credits_a_payment"].find("skipped") is None
    html = (tmp_path / "report.html").read_text()
    assert "not applicable: the app profile has no capabilities.reconcile" in html


def test_with_the_key_in_the_profile_the_scenario_runs(tmp_path: Path) -> None:
    done, _ = run_pytest(tmp_path, PROFILE + '[capabilities]\nreconcile = ["true"]\n')

    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert "not applicable" not in done.stdout
    assert "sweep" in (tmp_path / "ran.txt").read_text().split()


def test_missing_keys_reads_nested_keys_and_empty_values() -> None:
    text = PROFILE + '[capabilities]\ntopup_api = { path = "/topups" }\nlogs = []\n'
    profile = parse_profile(tomllib.loads(text), "app.toml")

    keys = [
        "capabilities.topup_api",
        "capabilities.topup_api.status_path",
        "capabilities.logs",
        "capabilities.worker",
    ]
    assert missing_keys(profile, keys) == [
        "capabilities.topup_api.status_path",
        "capabilities.logs",
        "capabilities.worker",
    ]
    assert missing_keys(profile, ["capabilities.worker", "capabilities.worker.x"]) == [
        "capabilities.worker"
    ]
    bare = parse_profile(tomllib.loads(PROFILE), "app.toml")
    assert missing_keys(bare, ["capabilities.topup_api", "capabilities.topup_api.status_path"]) == [
        "capabilities.topup_api"
    ]


def test_a_step_with_alternatives_needs_one_of_them_wholly_set() -> None:
    either = "capabilities.queue_probe or capabilities.events_sql and capabilities.jobs_sql"
    probe = '[capabilities]\nqueue_probe = { sql = "select 0, 0" }\n'
    tables = '[capabilities]\nevents_sql = "select 1"\njobs_sql = "select 1"\n'
    half = '[capabilities]\njobs_sql = "select 1"\n'

    def missing(capabilities: str) -> list[str]:
        return missing_keys(
            parse_profile(tomllib.loads(PROFILE + capabilities), "app.toml"), [either]
        )

    assert missing(probe) == []
    assert missing(tables) == []
    assert missing(half) == [either]  # jobs_sql without events_sql is neither alternative
    assert missing("") == [either]


def test_needs_refuses_an_alternative_the_profile_does_not_have() -> None:
    with pytest.raises(ValueError, match=r"no key 'capabilities\.jobs'"):
        needs("capabilities.queue_probe or capabilities.events_sql and capabilities.jobs")


def test_needs_refuses_a_key_the_profile_does_not_have() -> None:
    with pytest.raises(ValueError, match=r"no key 'capabilities\.reconcile_command'"):
        needs("capabilities.reconcile_command")
    with pytest.raises(ValueError, match="'reconcile' has no keys under it"):
        needs("capabilities.reconcile.command")


def test_needs_adds_to_what_a_step_already_needs() -> None:
    @needs("capabilities.worker")
    @needs("capabilities.reconcile")
    def step() -> None:
        """A step needing two keys."""

    assert needed_by(step) == ("capabilities.reconcile", "capabilities.worker")
