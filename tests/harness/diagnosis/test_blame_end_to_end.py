"""No failed scenario says "First broken stage: none": scenarios on the healthy app whose flow
holds at every stage yet whose step fails (an isolation check, a billing gate, the transaction
list) are each given the stage the failed step is about, in the report and in JUnit. What the
browser showed is kept beside them: a screenshot and the HTML of each open tab, and a trace of
each action (without the page around each, which only ``--trace-snapshots`` records)."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.diagnosis.artifacts import artifact_folder
from tests.harness.browser.trace_files import trace_kinds
from tests.harness.diagnosis.scenario_runs import ROOT

pytestmark = pytest.mark.slow

MODULE = Path(__file__).with_name("misjudged") / "scenarios_that_fail.py"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    junit = tmp_path_factory.mktemp("junit") / "report.xml"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", str(MODULE.relative_to(ROOT))),
            *("-p", "no:cacheprovider", "-p", "no:randomly", "-q", f"--junitxml={junit}"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert "3 failed" in done.stdout, done.stdout[-3000:]
    tree = ET.parse(junit)  # noqa: S314 (the report this run just wrote)
    stages = {}
    for case in tree.iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        stages[str(case.get("name"))] = str(props.get("diagnosis_stage"))
    return done.stdout, stages


def block(output: str, name: str) -> str:
    start = output.index(f"_ {name} _")
    end = re.search(r"^(_{3,} |={3,} )", output[start + len(name) + 3 :], re.MULTILINE)
    return output[start : start + len(name) + 3 + (end.start() if end else len(output))]


def test_no_failure_says_none(run: tuple[str, dict[str, str]]) -> None:
    output, _ = run
    assert "First broken stage: none" not in output


def test_an_isolation_failure_is_about_access(run: tuple[str, dict[str, str]]) -> None:
    output, stages = run
    name = "test_expects_one_organisations_token_to_see_anothers_payment"
    assert stages[name] == "access"
    text = block(output, name)
    assert "First broken stage: access" in text
    assert "✘ access" in text
    assert "the check harness.checks.topups.reference_check_answered is about access" in text
    assert "failed step: Then checking the payment's reference" in text


def test_a_billing_failure_is_about_the_billing_gate(run: tuple[str, dict[str, str]]) -> None:
    output, stages = run
    name = "test_expects_a_charge_the_wallet_can_pay_to_be_refused"
    assert stages[name] == "billing"
    text = block(output, name)
    assert "First broken stage: billing (billing gate)" in text
    assert "the SMS gate answered" in text


def test_a_transaction_list_failure_breaks_the_screen_stage_of_its_topup(
    run: tuple[str, dict[str, str]],
) -> None:
    output, stages = run
    name = "test_expects_a_row_more_in_the_transaction_list_than_the_topup_made"
    assert stages[name] == "screen"
    text = block(output, name)
    screen = next(line for line in text.splitlines() if line.lstrip().startswith("✘ screen"))
    assert "FIRST BROKEN" in screen
    assert "First broken stage: screen (top-up cs_test_" in text
    assert "the flow trace had judged it ok" in text
    assert "Actual value: 1" in text


def test_the_failures_folder_keeps_what_the_browser_showed_and_did(
    run: tuple[str, dict[str, str]],
) -> None:
    name = "test_expects_a_row_more_in_the_transaction_list_than_the_topup_made"
    folder = artifact_folder(ROOT, f"{MODULE.relative_to(ROOT).as_posix()}::{name}")
    assert [path.name for path in folder.glob("screenshot-*.png")] == [
        "screenshot-test-demo-com-1.png"
    ]
    html = (folder / "page-test-demo-com-1.html").read_text(encoding="utf-8")
    # the dashboard as it stood when the step failed: its balance and its message
    assert 'data-testid="wallet-balance" aria-live="polite">£50.00<' in html
    assert 'data-state="credited"' in html
    kinds = trace_kinds(folder / "playwright-trace-test-demo-com.zip")
    assert kinds["before"] >= 5, kinds  # the dashboard, the top-up, Checkout's fields, paying
    assert kinds["frame-snapshot"] == 0, kinds
