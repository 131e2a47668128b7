"""The report's scenario against an app whose webhook route is not mounted, run as CI would run
it: the failure starts with the flow trace, names ``delivery``, and ends with the command that
reruns just that scenario; JUnit XML carries the same, and the stage as a property."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.diagnosis.artifacts import artifact_folder
from tests.harness.diagnosis.scenario_runs import ROOT, run_scenarios

pytestmark = pytest.mark.slow

SELECTION = "webhook_credits_a_topup_of_amount and 50.00"  # £50.00 alone
NODE = "steps/test_scenarios.py::test_the_webhook_credits_a_topup_of_amount[\\xa350.00]"
RERUN = f'Rerun just this scenario: python -m pytest "{NODE}" --app-defects="route-not-mounted"'


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    junit = tmp_path_factory.mktemp("junit") / "report.xml"
    done = run_scenarios(
        "-k", SELECTION, "--app-defects=route-not-mounted", "-q", f"--junitxml={junit}"
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout, junit


def failure_block(output: str) -> list[str]:
    """The lines of the £50.00 scenario's failure, from its header to the next one."""
    lines = output.splitlines()
    header = next(i for i, line in enumerate(lines) if re.match(r"_+ .*\[\\xa350\.00\] _+$", line))
    end = next(
        (i for i in range(header + 1, len(lines)) if re.match(r"^(_{3,} |={3,} )", lines[i])),
        len(lines),
    )
    return lines[header + 1 : end]


def test_the_failure_starts_with_the_flow_trace_naming_delivery(run: tuple[str, Path]) -> None:
    block = failure_block(run[0])
    assert block[0].startswith("Flow trace for cs_test_"), block[:3]
    assert "(test@demo.com, £50.00)" in block[0]
    delivery = next(line for line in block if line.lstrip().startswith("✘ delivery"))
    assert "FIRST BROKEN" in delivery
    assert "404" in delivery
    assert any(line.lstrip().startswith("· signature") for line in block)
    assert any(line.startswith("First broken stage: delivery") for line in block)


def test_the_failure_keeps_the_traceback_and_ends_with_the_rerun_command(
    run: tuple[str, Path],
) -> None:
    block = failure_block(run[0])
    cause = next(i for i, line in enumerate(block) if line.startswith("E       AssertionError"))
    rerun = block.index(RERUN)
    assert rerun > cause
    after = [line for line in block[rerun + 1 :] if line.strip()]
    assert not after or "Captured" in after[0]  # only pytest's captured-output sections follow


def test_the_rerun_command_selects_just_that_scenario() -> None:
    command = shlex.split(RERUN.split(": ", 1)[1])
    done = subprocess.run(
        [sys.executable, *command[1:], "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == NODE
    assert "1 test collected" in done.stdout


def test_junit_xml_carries_the_trace_the_command_and_the_stage(run: tuple[str, Path]) -> None:
    root = ET.parse(run[1]).getroot()  # noqa: S314  (the XML our own pytest run just wrote)
    cases = {case.get("name"): case for case in root.iter("testcase")}
    case = cases["test_the_webhook_credits_a_topup_of_amount[\\xa350.00]"]
    properties = [(p.get("name"), p.get("value")) for p in case.iter("property")]
    assert ("diagnosis_stage", "delivery") in properties
    failure = case.find("failure")
    assert failure is not None
    assert failure.text is not None
    assert failure.text.startswith("Flow trace for cs_test_")
    assert failure.text.rstrip().endswith(RERUN)
    assert "AssertionError" in (failure.get("message") or "")  # the cause, as pytest gives it


def test_the_artifact_folder_holds_the_trace_and_the_evidence(run: tuple[str, Path]) -> None:
    folder = artifact_folder(ROOT, NODE)
    trace = (folder / "trace.txt").read_text(encoding="utf-8")
    assert "FIRST BROKEN" in trace
    assert trace.rstrip().endswith(RERUN.split(": ", 1)[1])
    assert '"status_code": 404' in (folder / "deliveries.json").read_text(encoding="utf-8")
    assert "ad9306a9-4d8a-4685-a667-cbeb7eb01a07" in (folder / "ledger.json").read_text()
    assert "POST /api/webhooks/stripe" in (folder / "web.log").read_text()
