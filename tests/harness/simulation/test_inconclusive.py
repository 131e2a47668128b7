"""A run whose nemesis could not strike as asked (a kill of the worker that left no job held) has
not shown the app survives that blow: the summary, the HTML report and the exit status say
"inconclusive", naming the blow, instead of "ok"; and the defect matrix counts such a run as
neither a pass nor a catch. A violation still wins: it is a finding whatever the blows did."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from harness.cli import simulate as simulate_command
from harness.cli.main import main
from harness.defect_matrix import runner
from harness.simulation.invariants import Violation
from harness.simulation.nemesis import Blow, blows_line
from harness.simulation.report import render_report
from harness.simulation.simulate import Options, Outcome
from harness.simulation.summary import print_summary

LANDED = Blow("kill-worker", before=120, held=2)
MISSED = Blow("kill-worker", before=260, held=0, tries=5)
KILL_WEB = Blow("kill-web", before=31)
HELD_BUT_MISSED = f"INCONCLUSIVE: all 12 invariants hold, but not every blow ...:\n  {MISSED}"
BROKEN = Violation("pipeline drained", "jobs", "1 job left 'doing'")


def outcome(blows: list[Blow], violations: list[Violation] | None = None) -> Outcome:
    options = Options(seed=1, orgs=2, topups=0, mix={}, nemesis=("kill-worker", "kill-web"))
    return Outcome(options, [], [], violations or [], [], {}, {}, {}, 0, nemesis=blows)


def summary_of(run: Outcome) -> str:
    console = Console(record=True, width=200)
    print_summary(console, run)
    return console.export_text()


def test_the_blows_are_counted_with_the_jobs_each_kill_of_the_worker_held() -> None:
    assert blows_line([KILL_WEB, LANDED, MISSED]) == (
        "kill-web 1, kill-worker 2 (SIGKILL / pg_ctl restart while top-ups went on);"
        " jobs held mid-job by each killed worker: 2, 0"
    )
    # a profile that shows no jobs: the kills are counted, what they held is not claimed
    assert blows_line([Blow("kill-worker"), KILL_WEB]) == (
        "kill-web 1, kill-worker 1 (SIGKILL / pg_ctl restart while top-ups went on)"
    )


def test_a_run_whose_blows_all_landed_is_ok() -> None:
    run = outcome([KILL_WEB, LANDED])
    text = summary_of(run)

    assert run.inconclusive == []
    assert "ok: all" in text
    assert "jobs held mid-job by each killed worker: 2" in text
    assert "every invariant holds" in render_report(run, "replay")


def test_a_run_with_a_blow_that_held_nothing_is_inconclusive_and_names_it() -> None:
    run = outcome([KILL_WEB, LANDED, MISSED])
    text = summary_of(run)
    page = render_report(run, "replay")

    assert run.inconclusive == [MISSED]
    assert "ok: all" not in text
    assert "INCONCLUSIVE: all" in text
    assert f"  {MISSED}" in text
    assert "before top-up 260: left no job held (each of its 5 tries found the job ended)" in text
    assert "inconclusive" in page
    assert "every invariant holds</p>" not in page
    assert "<li>kill-worker before top-up 260: left no job held" in page


def test_a_violation_is_reported_whatever_the_blows_did() -> None:
    text = summary_of(outcome([MISSED], [BROKEN]))

    assert "VIOLATED: pipeline drained (1x)" in text
    assert "INCONCLUSIVE" not in text


@pytest.mark.parametrize(
    ("blows", "status"), [([KILL_WEB, LANDED], 0), ([KILL_WEB, MISSED], 3), ([MISSED], 3)]
)
def test_simulate_exits_3_when_inconclusive(
    blows: list[Blow], status: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    @contextlib.contextmanager
    def no_stack(*args: Any, **kwargs: Any) -> Iterator[object]:
        yield object()  # the run below never touches it

    monkeypatch.setattr(simulate_command, "artifacts_dir", lambda: tmp_path)
    monkeypatch.setattr(simulate_command, "standalone_stack", no_stack)
    monkeypatch.setattr(simulate_command, "simulate", lambda *args, **kwargs: outcome(blows))

    arguments = ["simulate", "--topups", "5", "--orgs", "2", "--nemesis", "kill-worker,kill-web"]
    assert main(arguments) == status


@pytest.mark.parametrize(
    ("defect", "breaks", "status", "output", "problem"),
    [
        (runner.HEALTHY, None, 0, "ok: all 12 invariants hold", None),
        (runner.HEALTHY, None, 3, HELD_BUT_MISSED, "inconclusive"),
        ("no-stalled-job-recovery", "pipeline drained", 1, "VIOLATED: pipeline drained (3x)", None),
        (
            "no-stalled-job-recovery",
            "pipeline drained",
            3,
            HELD_BUT_MISSED,
            "inconclusive: the nemesis could not strike as asked (exit 3)",
        ),
    ],
)
def test_the_matrix_counts_an_inconclusive_simulation_as_neither_pass_nor_catch(
    defect: str,
    breaks: str | None,
    status: int,
    output: str,
    problem: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs: list[list[str]] = []

    def child(command: list[str], root: Path) -> subprocess.CompletedProcess[str]:
        runs.append(command)
        return subprocess.CompletedProcess(command, status, output, "")

    monkeypatch.setattr(runner, "_child", child)
    [verdict] = runner.simulation_run(defect, "--seed 1 --nemesis kill-worker", breaks, tmp_path)

    if problem is None:
        assert verdict.problem is None
        assert len(runs) == 1
    else:
        assert verdict.problem is not None
        assert verdict.problem.startswith(problem)
        assert str(MISSED) in verdict.problem
        assert len(runs) == 2  # inconclusive twice: the same command run once more
        assert runs[0] == runs[1]
    assert verdict.note is None


@pytest.mark.parametrize(
    ("defect", "breaks", "then"),
    [
        (runner.HEALTHY, None, (0, "ok: all 12 invariants hold")),
        ("no-stalled-job-recovery", "pipeline drained", (1, "VIOLATED: pipeline drained (3x)")),
    ],
)
def test_the_matrix_runs_an_inconclusive_simulation_once_more_and_says_so(
    defect: str,
    breaks: str | None,
    then: tuple[int, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = [(3, HELD_BUT_MISSED), then]

    def child(command: list[str], root: Path) -> subprocess.CompletedProcess[str]:
        status, output = answers.pop(0)
        return subprocess.CompletedProcess(command, status, output, "")

    monkeypatch.setattr(runner, "_child", child)
    [verdict] = runner.simulation_run(defect, "--seed 1 --nemesis kill-worker", breaks, tmp_path)

    assert answers == []
    assert verdict.problem is None
    assert verdict.note == f"inconclusive once, so run again: {MISSED}"

    junit = tmp_path / "matrix.xml"
    runner.write_junit([verdict], junit)
    assert f"<system-out>inconclusive once, so run again: {MISSED}</system-out>" in (
        junit.read_text()
    )
