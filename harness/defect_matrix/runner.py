"""Runs the defect matrix: the mapped scenarios once on the healthy app (they must pass), then
once per defect with ``--app-defects`` (they must fail as the table says). Each run is a pytest
process of its own with its own stack; ``jobs`` of them run at once.

``wallet-harness matrix`` is the command line; ``tox -e defect-matrix`` runs it in CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from harness.defect_matrix.table import Catch, Result, judge_catch, judge_healthy

HEALTHY = ""  # the run without any defect
RUN_TIMEOUT = 600.0


@dataclass(frozen=True)
class Verdict:
    defect: str  # "" for the healthy run
    scenario: str
    problem: str | None  # None: as the table says
    seconds: float


def run_matrix(
    catches: Sequence[Catch],
    root: Path,
    *,
    jobs: int = 2,
    pytest_args: Sequence[str] = (),
    report: Callable[[Verdict], None] = lambda verdict: None,
) -> list[Verdict]:
    by_defect: dict[str, list[Catch]] = {}
    for catch in catches:
        by_defect.setdefault(catch.defect, []).append(catch)
    runs = [HEALTHY, *by_defect]

    def one(defect: str) -> list[Verdict]:
        wanted = (
            sorted({c.node_id for c in catches})
            if defect == HEALTHY
            else [c.node_id for c in by_defect[defect]]
        )
        started = time.monotonic()
        results = run_scenarios(root, defect, wanted, pytest_args)
        seconds = time.monotonic() - started
        verdicts = []
        if defect == HEALTHY:
            for node_id in wanted:
                name = node_id.split("::", 1)[1]
                verdict = Verdict(HEALTHY, name, judge_healthy(results[name]), seconds)
                verdicts.append(verdict)
        else:
            for catch in by_defect[defect]:
                problem = judge_catch(catch, results[catch.scenario])
                verdicts.append(Verdict(defect, catch.scenario, problem, seconds))
        for verdict in verdicts:
            report(verdict)
        return verdicts

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return [verdict for verdicts in pool.map(one, runs) for verdict in verdicts]


def run_scenarios(
    root: Path, defect: str, node_ids: Sequence[str], pytest_args: Sequence[str]
) -> dict[str, Result]:
    """Run these scenarios against the app with ``defect``; how each ended, by test name."""
    with tempfile.TemporaryDirectory(prefix="wallet-matrix-") as scratch:
        junit = Path(scratch) / "junit.xml"
        command = [
            sys.executable,
            "-m",
            "pytest",
            *node_ids,
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-q",
            f"--junitxml={junit}",
            f"--app-defects={defect}",
            *pytest_args,
        ]
        try:
            done = subprocess.run(
                command,
                cwd=root,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT,
                check=False,
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            )
        except subprocess.TimeoutExpired:
            return _all(node_ids, Result("error", f"the run took over {RUN_TIMEOUT:.0f} s", None))
        if not junit.exists():
            output = (done.stdout + done.stderr)[-2000:]
            return _all(node_ids, Result("error", f"pytest wrote no report:\n{output}", None))
        results = read_junit(junit)
    return {
        node_id.split("::", 1)[1]: results.get(
            node_id.split("::", 1)[1], Result("missing", "the scenario did not run", None)
        )
        for node_id in node_ids
    }


def read_junit(path: Path) -> dict[str, Result]:
    results: dict[str, Result] = {}
    for case in ET.parse(path).getroot().iter("testcase"):  # noqa: S314  (our own report)
        properties = {prop.get("name"): prop.get("value", "") for prop in case.iter("property")}
        stage = properties.get("diagnosis_stage") or None
        assertion = properties.get("failed_assertion", "")
        outcome, message = "passed", ""
        # an error (in set-up or teardown) outranks a failure: it is never a catch
        for kind in ("error", "failure", "skipped"):
            element = case.find(kind)
            if element is not None:
                outcome = {"failure": "failed"}.get(kind, kind)
                message = assertion or element.get("message", "") or (element.text or "")
                break
        results[case.get("name", "")] = Result(outcome, message, stage)
    return results


def _all(node_ids: Sequence[str], result: Result) -> dict[str, Result]:
    return {node_id.split("::", 1)[1]: result for node_id in node_ids}


def write_junit(verdicts: Sequence[Verdict], path: Path) -> None:
    suite = ET.Element(
        "testsuite",
        name="defect-matrix",
        tests=str(len(verdicts)),
        failures=str(sum(1 for v in verdicts if v.problem)),
    )
    for verdict in verdicts:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"defect-matrix.{verdict.defect or 'healthy'}",
            name=verdict.scenario,
            time=f"{verdict.seconds:.1f}",
        )
        if verdict.problem:
            failure = ET.SubElement(case, "failure", message=verdict.problem[:500])
            failure.text = verdict.problem
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
