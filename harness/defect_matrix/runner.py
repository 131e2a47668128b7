"""Runs the defect matrix: the mapped scenarios once on the healthy app (they must pass), then
once per defect with ``--app-defects`` (they must fail as the table says); and each simulation
the table names, once on the healthy app (every invariant holds) and once per defect (the named
invariant breaks). The scenario runs share one pytest session per job (``jobs`` of them, each
with one stack whose app is restarted between defects: ``harness.defect_matrix.plan``); each
simulation is a process of its own. ``jobs`` run at once.

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
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from harness.defect_matrix.plan import split_name, write_plan
from harness.defect_matrix.table import (
    Catch,
    Result,
    SimulationCatch,
    judge_catch,
    judge_healthy,
)
from harness.project import SCENARIOS_MODULE
from harness.sharding import Shard, split

HEALTHY = ""  # the run without any defect
RUN_TIMEOUT = 600.0
PYTEST_USAGE_ERROR = 4  # pytest's exit code for a bad command line: a test id not found, say


@dataclass(frozen=True)
class Verdict:
    defect: str  # "" for the healthy run
    scenario: str
    problem: str | None  # None: as the table says
    seconds: float
    note: str | None = None  # what else the verdict took (a simulation run again)


def run_matrix(
    catches: Sequence[Catch | SimulationCatch],
    root: Path,
    *,
    jobs: int = 2,
    pytest_args: Sequence[str] = (),
    report: Callable[[Verdict], None] = lambda verdict: None,
    shard: Shard | None = None,
    recorded: Mapping[str, float] | None = None,
) -> list[Verdict]:
    """Every verdict the table asks for (with ``shard``, only that shard's share of them, split
    by the ``recorded`` seconds of each ``unit`` where known)."""
    scenario_catches = [catch for catch in catches if isinstance(catch, Catch)]
    simulation_catches = [catch for catch in catches if isinstance(catch, SimulationCatch)]
    healthy = sorted({catch.scenario for catch in scenario_catches})
    healthy_simulations = list(dict.fromkeys(catch.simulate for catch in simulation_catches))
    if shard is not None:
        mine = set(shard_units(healthy, catches, shard.total, recorded)[shard.index - 1])
        healthy = [name for name in healthy if unit(HEALTHY, name) in mine]
        scenario_catches = [c for c in scenario_catches if unit(c.defect, c.scenario) in mine]
        healthy_simulations = [a for a in healthy_simulations if unit(HEALTHY, a) in mine]
        simulation_catches = [c for c in simulation_catches if unit(c.defect, c.simulate) in mine]
    runs: list[Callable[[], list[Verdict]]] = [
        partial(scenario_run, plan, scenario_catches, root, pytest_args)
        for plan in scenario_plans(healthy, scenario_catches, jobs)
    ]
    runs += [partial(simulation_run, HEALTHY, a, None, root) for a in healthy_simulations]
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


def unit(defect: str, scenario: str) -> str:
    """One verdict's name, as the shards split them."""
    return f"{scenario} with {defect or 'no defect'}"


# what a verdict costs, roughly, in seconds, where none is recorded: enough to keep the
# simulations apart
SIMULATION_COST, SCENARIO_COST = 100.0, 5.0


def shard_units(
    healthy: Sequence[str],
    catches: Sequence[Catch | SimulationCatch],
    total: int,
    recorded: Mapping[str, float] | None = None,
) -> list[list[str]]:
    """Every verdict's ``unit`` split into ``total`` shares of about equal cost: its
    ``recorded`` seconds where known (``wallet-harness matrix --store-durations``), else a
    simulation weighs as much as twenty scenario runs."""
    costs = {unit(HEALTHY, name): SCENARIO_COST for name in healthy}
    for catch in catches:
        if isinstance(catch, SimulationCatch):
            costs[unit(HEALTHY, catch.simulate)] = SIMULATION_COST
            costs[unit(catch.defect, catch.simulate)] = SIMULATION_COST
        else:
            costs[unit(catch.defect, catch.scenario)] = SCENARIO_COST
    known = recorded or {}
    costs = {name: known.get(name, cost) for name, cost in costs.items()}
    return split(list(costs), total, costs)


def scenario_plans(
    healthy: Sequence[str], catches: Sequence[Catch], jobs: int
) -> list[dict[str, list[str]]]:
    """The scenario runs split into at most ``jobs`` plans of about equal size, one pytest
    session each: the healthy run's scenarios dealt out among them, then each defect's run
    whole to the plan with the fewest tests so far (a defect's run needs one app restart)."""
    if not healthy and not catches:
        return []
    by_defect: dict[str, list[str]] = {}
    for catch in catches:
        by_defect.setdefault(catch.defect, []).append(catch.scenario)
    count = max(1, min(jobs, len(by_defect) + 1))
    plans: list[dict[str, list[str]]] = [{} for _ in range(count)]
    for index, name in enumerate(healthy):
        plans[index % count].setdefault(HEALTHY, []).append(name)
    for defect, names in by_defect.items():
        smallest = min(plans, key=lambda plan: sum(len(tests) for tests in plan.values()))
        smallest[defect] = names
    return [plan for plan in plans if plan]


def scenario_run(
    plan: Mapping[str, Sequence[str]],
    catches: Sequence[Catch],
    root: Path,
    pytest_args: Sequence[str],
) -> list[Verdict]:
    """The plan's scenarios run in one session, each against its defects, judged: a catch's
    must fail as the table says, the healthy run's must pass."""
    results = run_scenarios(root, plan, pytest_args)
    verdicts = []
    for defect, names in plan.items():
        if defect == HEALTHY:
            for name in names:
                result = results[(HEALTHY, name)]
                verdicts.append(Verdict(HEALTHY, name, judge_healthy(result), result.seconds))
            continue
        for catch in catches:
            if catch.defect == defect and catch.scenario in names:
                result = results[(defect, catch.scenario)]
                verdicts.append(
                    Verdict(defect, catch.scenario, judge_catch(catch, result), result.seconds)
                )
    return verdicts


def simulation_run(defect: str, arguments: str, breaks: str | None, root: Path) -> list[Verdict]:
    """``wallet-harness simulate <arguments>`` with ``defect`` (HEALTHY: without any): on the
    healthy app every invariant holds (exit 0), with the defect ``breaks`` is violated. A run
    the simulation calls inconclusive (its nemesis could not strike as asked) proves neither:
    it is run once more (a blow's moment is the seed's, whether a job is running then is the
    machine's), and a second inconclusive run is the verdict's problem."""
    command = [sys.executable, "-m", "harness", "simulate", *shlex.split(arguments), "--no-shrink"]
    if defect != HEALTHY:
        command += ["--defect", defect]
    name = f"simulate {arguments}"
    started = time.monotonic()
    code, output = _simulate(command, root)
    note = None
    if "INCONCLUSIVE:" in output:
        missed = output[output.index("INCONCLUSIVE:") :].splitlines()[1:2]
        note = "inconclusive once, so run again: " + " ".join(line.strip() for line in missed)
        code, output = _simulate(command, root)
    seconds = time.monotonic() - started
    tail = output[-600:]
    problem: str | None
    if "INCONCLUSIVE:" in output:  # twice: every invariant held, but a blow did not land (exit 3)
        problem = f"inconclusive: the nemesis could not strike as asked (exit {code}): {tail}"
    elif breaks is None:
        problem = None if code == 0 else f"fails without any defect (exit {code}): {tail}"
    elif code != 1:
        problem = f"expected exit 1 with {breaks!r} violated, got exit {code}: {tail}"
    elif f"VIOLATED: {breaks} " not in output:
        problem = f"failed, but did not break {breaks!r}: {tail}"
    else:
        problem = None
    return [Verdict(defect, name, problem, seconds, None if problem else note)]


def _simulate(command: list[str], root: Path) -> tuple[int | None, str]:
    done = _child(command, root)
    if done is None:
        return None, f"the simulation took over {RUN_TIMEOUT:.0f} s"
    return done.returncode, done.stdout + done.stderr


def run_scenarios(
    root: Path, plan: Mapping[str, Sequence[str]], pytest_args: Sequence[str]
) -> dict[tuple[str, str], Result]:
    """Run the plan (defect -> test names) in one pytest session (``--matrix-plan``): how each
    run ended, by (defect, test name)."""
    wanted = [(defect, name) for defect, names in plan.items() for name in names]
    functions = dict.fromkeys(name.split("[", 1)[0] for _, name in wanted)
    with tempfile.TemporaryDirectory(prefix="wallet-matrix-") as scratch:
        junit = Path(scratch) / "junit.xml"
        plan_file = Path(scratch) / "plan.json"
        write_plan(plan_file, plan)
        command = [
            sys.executable,
            "-m",
            "pytest",
            *(f"{SCENARIOS_MODULE.as_posix()}::{function}" for function in functions),
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-q",
            f"--junitxml={junit}",
            f"--matrix-plan={plan_file}",
            *pytest_args,
        ]
        done = _child(command, root)
        if done is None:
            return _all(wanted, Result("error", f"the run took over {RUN_TIMEOUT:.0f} s", None))
        if not junit.exists():
            output = (done.stdout + done.stderr)[-2000:]
            return _all(wanted, Result("error", f"pytest wrote no report:\n{output}", None))
        if done.returncode == PYTEST_USAGE_ERROR:  # a scenario the table names is not there
            output = (done.stdout + done.stderr)[-2000:]
            return _all(wanted, Result("error", f"pytest ran nothing:\n{output}", None))
        results: dict[tuple[str, str], Result] = {}
        for name, result in read_junit(junit).items():
            split = split_name(name)
            if split is not None:
                results[(split[1], split[0])] = result
    missing = Result("missing", "the scenario did not run", None)
    return {key: results.get(key, missing) for key in wanted}


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
        seconds = float(case.get("time", "0") or 0)
        results[case.get("name", "")] = Result(outcome, message, stage, seconds)
    return results


def _all(keys: Sequence[tuple[str, str]], result: Result) -> dict[tuple[str, str], Result]:
    return dict.fromkeys(keys, result)


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
        elif verdict.note:
            ET.SubElement(case, "system-out").text = verdict.note
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
