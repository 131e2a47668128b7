"""Runs the defect matrix: the mapped scenarios once on the healthy app (they must pass), then
once per defect with ``--app-defects`` (they must fail as the table says); and each simulation
the table names, once on the healthy app (every invariant holds) and once per defect (the named
invariant breaks). Each run is a process of its own with its own stack; ``jobs`` run at once.

``wallet-harness matrix`` is the command line; ``tox -e defect-matrix`` runs it in CI.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from harness.defect_matrix.table import (
    Catch,
    Result,
    SimulationCatch,
    judge_catch,
    judge_healthy,
)

HEALTHY = ""  # the run without any defect
RUN_TIMEOUT = 600.0


@dataclass(frozen=True)
class Verdict:
    defect: str  # "" for the healthy run
    scenario: str
    problem: str | None  # None: as the table says
    seconds: float


def run_matrix(
    catches: Sequence[Catch | SimulationCatch],
    root: Path,
    *,
    jobs: int = 2,
    pytest_args: Sequence[str] = (),
    report: Callable[[Verdict], None] = lambda verdict: None,
) -> list[Verdict]:
    scenario_catches = [catch for catch in catches if isinstance(catch, Catch)]
    simulation_catches = [catch for catch in catches if isinstance(catch, SimulationCatch)]
    by_defect: dict[str, list[Catch]] = {}
    for catch in scenario_catches:
        by_defect.setdefault(catch.defect, []).append(catch)
    runs: list[Callable[[], list[Verdict]]] = []
    if scenario_catches:
        runs.append(partial(scenario_run, HEALTHY, scenario_catches, root, pytest_args))
    runs += [partial(scenario_run, d, by_defect[d], root, pytest_args) for d in by_defect]
    for arguments in dict.fromkeys(catch.simulate for catch in simulation_catches):
        runs.append(partial(simulation_run, HEALTHY, arguments, None, root))
    runs += [
        partial(simulation_run, catch.defect, catch.simulate, catch.breaks, root)
        for catch in simulation_catches
    ]

    def one(run: Callable[[], list[Verdict]]) -> list[Verdict]:
        verdicts = run()
        for verdict in verdicts:
            report(verdict)
        return verdicts

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return [verdict for verdicts in pool.map(one, runs) for verdict in verdicts]


def scenario_run(
    defect: str, catches: Sequence[Catch], root: Path, pytest_args: Sequence[str]
) -> list[Verdict]:
    """The catches' scenarios run once with ``defect`` (HEALTHY: without any), judged."""
    wanted = (
        sorted({c.node_id for c in catches}) if defect == HEALTHY else [c.node_id for c in catches]
    )
    started = time.monotonic()
    results = run_scenarios(root, defect, wanted, pytest_args)
    seconds = time.monotonic() - started
    if defect == HEALTHY:
        return [
            Verdict(HEALTHY, name, judge_healthy(results[name]), seconds)
            for name in (node_id.split("::", 1)[1] for node_id in wanted)
        ]
    return [
        Verdict(defect, c.scenario, judge_catch(c, results[c.scenario]), seconds) for c in catches
    ]


def simulation_run(defect: str, arguments: str, breaks: str | None, root: Path) -> list[Verdict]:
    """``wallet-harness simulate <arguments>`` with ``defect`` (HEALTHY: without any): on the
    healthy app every invariant holds (exit 0), with the defect ``breaks`` is violated."""
    command = [sys.executable, "-m", "harness", "simulate", *shlex.split(arguments), "--no-shrink"]
    if defect != HEALTHY:
        command += ["--defect", defect]
    started = time.monotonic()
    done = _child(command, root)
    if done is None:
        code, output = None, f"the simulation took over {RUN_TIMEOUT:.0f} s"
    else:
        code, output = done.returncode, done.stdout + done.stderr
    seconds = time.monotonic() - started
    name = f"simulate {arguments}"
    tail = output[-600:]
    if breaks is None:
        problem = None if code == 0 else f"fails without any defect (exit {code}): {tail}"
    elif code != 1:
        problem = f"expected exit 1 with {breaks!r} violated, got exit {code}: {tail}"
    elif f"VIOLATED: {breaks} " not in output:
        problem = f"failed, but did not break {breaks!r}: {tail}"
    else:
        problem = None
    return [Verdict(defect, name, problem, seconds)]


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
        done = _child(command, root)
        if done is None:
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


def _child(command: list[str], root: Path) -> subprocess.CompletedProcess[str] | None:
    """One run in a process of its own, its output kept; None when it took too long."""
    try:
        return subprocess.run(
            command,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    except subprocess.TimeoutExpired:
        return None


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
