"""The matrix runner end to end, on a tiny project whose "scenarios" react to the defects the
matrix's plan runs them against (the ``wallet_matrix_defect`` fixture)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.defect_matrix.plan import write_plan
from harness.defect_matrix.runner import (
    HEALTHY,
    Verdict,
    run_matrix,
    run_scenarios,
    scenario_plans,
    shard_units,
    unit,
)
from harness.defect_matrix.table import Catch, Result, SimulationCatch
from harness.sharding import Shard

pytestmark = pytest.mark.slow  # a pytest process per run

SCENARIOS = textwrap.dedent(
    """
    import pytest

    def fail(record_property, stage, message):
        record_property("diagnosis_stage", stage)
        record_property("failed_assertion", message)
        raise AssertionError(message)

    def test_credits(wallet_matrix_defect, record_property):
        defect = wallet_matrix_defect
        if defect == "route-not-mounted":
            fail(record_property, "delivery", "the wallet was not credited: balance £0.00")
        if defect == "lost-update":
            fail(record_property, "queue", "the wallet was not credited: balance £0.00")

    @pytest.mark.parametrize("amount", ["£50.00", "£20.00"])
    def test_paid(wallet_matrix_defect, record_property, amount):
        if wallet_matrix_defect == "amount-in-pounds" and amount == "£50.00":
            fail(record_property, "job", "the wallet was not credited: balance £0.50")

    def test_ledger_chain(wallet_matrix_defect, record_property):
        if wallet_matrix_defect == "lost-update":
            fail(record_property, "ledger", "the ledger chain is broken at row 2")

    @pytest.fixture
    def broken_stack(wallet_matrix_defect):
        if wallet_matrix_defect == "worker-not-started":
            raise RuntimeError("the worker exited during start-up")

    def test_worker_credits(broken_stack):
        pass
    """
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "steps").mkdir()
    (tmp_path / "features").mkdir()
    (tmp_path / "steps" / "test_scenarios.py").write_text(SCENARIOS)
    return tmp_path


def test_a_scenario_the_plan_names_that_does_not_exist_is_an_error_saying_so(
    project: Path,
) -> None:
    plan = {HEALTHY: ["test_credits"], "lost-update": ["test_renamed_since"]}

    results = run_scenarios(project, plan, [])

    assert {result.outcome for result in results.values()} == {"error"}
    message = results[("lost-update", "test_renamed_since")].message
    assert message.startswith("pytest ran nothing:")
    assert "not found" in message
    assert "test_renamed_since" in message


def test_run_scenarios_reports_each_by_defect_and_name(project: Path) -> None:
    plan = {
        HEALTHY: ["test_credits", "test_ledger_chain"],
        "lost-update": ["test_credits", "test_ledger_chain", "test_worker_credits"],
        "amount-in-pounds": ["test_paid[\\xa350.00]", "test_paid[\\xa320.00]"],
    }

    results = run_scenarios(project, plan, [])

    outcomes = {key: (r.outcome, r.message, r.stage) for key, r in results.items()}
    assert outcomes == {
        (HEALTHY, "test_credits"): ("passed", "", None),
        (HEALTHY, "test_ledger_chain"): ("passed", "", None),
        ("lost-update", "test_credits"): (
            "failed",
            "the wallet was not credited: balance £0.00",
            "queue",
        ),
        ("lost-update", "test_ledger_chain"): (
            "failed",
            "the ledger chain is broken at row 2",
            "ledger",
        ),
        ("lost-update", "test_worker_credits"): ("passed", "", None),
        ("amount-in-pounds", "test_paid[\\xa350.00]"): (
            "failed",
            "the wallet was not credited: balance £0.50",
            "job",
        ),
        ("amount-in-pounds", "test_paid[\\xa320.00]"): ("passed", "", None),
    }
    assert all(result.seconds >= 0 for result in results.values())


def test_the_plan_runs_grouped_by_defect_in_its_order(project: Path) -> None:
    plan = {
        "lost-update": ["test_ledger_chain"],
        HEALTHY: ["test_credits", "test_paid[\\xa320.00]", "test_ledger_chain"],
    }
    scratch = project / "plan.json"
    write_plan(scratch, plan)

    done = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "steps", "-p", "no:cacheprovider"),
            *("-p", "no:xdist", "--collect-only", "-q", f"--matrix-plan={scratch}"),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )

    listed = [line for line in done.stdout.splitlines() if "::" in line]
    assert listed == [
        "steps/test_scenarios.py::test_ledger_chain[matrix:lost-update]",
        "steps/test_scenarios.py::test_credits[matrix:healthy]",
        "steps/test_scenarios.py::test_paid[\\xa320.00-matrix:healthy]",
        "steps/test_scenarios.py::test_ledger_chain[matrix:healthy]",
    ], done.stdout + done.stderr


def test_run_scenarios_without_a_report_is_an_error_for_each(project: Path) -> None:
    plan = {HEALTHY: ["test_credits", "test_more"]}

    results = run_scenarios(project, plan, ["--no-such-pytest-option"])

    assert set(results) == {(HEALTHY, "test_credits"), (HEALTHY, "test_more")}
    for result in results.values():
        assert result.outcome == "error"
        assert "pytest wrote no report" in result.message
        assert "--no-such-pytest-option" in result.message  # pytest's own complaint


def test_a_scenario_that_did_not_run_is_missing(project: Path) -> None:
    results = run_scenarios(project, {HEALTHY: ["test_credits"]}, ["-k", "not credits"])

    assert results == {
        (HEALTHY, "test_credits"): Result("missing", "the scenario did not run", None)
    }


def test_scenario_plans_deal_the_runs_out_evenly() -> None:
    catches = [Catch(f"defect-{n}", f"test_{n % 3}", "x", "queue") for n in range(7)]

    plans = scenario_plans(sorted({c.scenario for c in catches}), catches, 2)

    assert len(plans) == 2
    every = sorted((d, name) for plan in plans for d, names in plan.items() for name in names)
    expected = [(HEALTHY, f"test_{n}") for n in range(3)]
    expected += [(c.defect, c.scenario) for c in catches]
    assert every == sorted(expected)  # each run once, in one plan
    sizes = [sum(len(names) for names in plan.values()) for plan in plans]
    assert max(sizes) - min(sizes) <= 1
    for plan in plans:
        assert len({d for d in plan if d != HEALTHY}) == len([d for d in plan if d != HEALTHY])


def test_run_matrix_judges_the_healthy_run_and_each_defect(project: Path) -> None:
    message = "the wallet was not credited"
    catches = [
        Catch("route-not-mounted", "test_credits", message, "delivery"),  # caught
        Catch("lost-update", "test_credits", message, "delivery"),  # caught at another stage
        Catch("lost-update", "test_ledger_chain", "the ledger chain is broken", "ledger"),
        Catch("worker-not-started", "test_worker_credits", message, "queue"),  # set-up error
        Catch("seed-bug", "test_credits", message, "delivery"),  # passes: not caught
    ]
    reported: list[Verdict] = []

    verdicts = run_matrix(catches, project, jobs=3, report=reported.append)

    problems = {(v.defect, v.scenario): v.problem for v in verdicts}
    assert set(problems) == {
        (HEALTHY, "test_credits"),
        (HEALTHY, "test_ledger_chain"),
        (HEALTHY, "test_worker_credits"),
        ("route-not-mounted", "test_credits"),
        ("lost-update", "test_credits"),
        ("lost-update", "test_ledger_chain"),
        ("worker-not-started", "test_worker_credits"),
        ("seed-bug", "test_credits"),
    }
    assert problems[(HEALTHY, "test_credits")] is None
    assert problems[(HEALTHY, "test_worker_credits")] is None
    assert problems[("route-not-mounted", "test_credits")] is None
    assert problems[("lost-update", "test_ledger_chain")] is None
    assert problems[("lost-update", "test_credits")] == (
        "the diagnosis named 'queue', not 'delivery'"
    )
    worker = problems[("worker-not-started", "test_worker_credits")]
    assert worker is not None
    assert worker.startswith("expected a failed assertion, got error")
    assert "the worker exited during start-up" in worker
    seed_bug = problems[("seed-bug", "test_credits")]
    assert seed_bug is not None
    assert seed_bug.startswith("expected a failed assertion, got passed")
    assert sorted(reported, key=repr) == sorted(verdicts, key=repr)
    # each verdict's time, from the report: a stand-in test may take under the 1 ms it rounds to
    assert all(verdict.seconds >= 0 for verdict in verdicts)
    assert sum(verdict.seconds for verdict in verdicts) > 0


def test_the_shards_split_the_verdicts_with_none_left_out_and_none_twice() -> None:
    catches: list[Catch | SimulationCatch] = [
        Catch(f"defect-{n}", f"test_{n % 5}", "x", "queue") for n in range(30)
    ]
    catches += [SimulationCatch(f"crash-{n}", "--topups 100", "pipeline drained") for n in (1, 2)]
    healthy = [f"test_{n}" for n in range(5)]

    shares = shard_units(healthy, catches, 3)

    every = [name for share in shares for name in share]
    assert len(every) == len(set(every)) == 5 + 30 + 1 + 2
    simulations = [sum("--topups" in name for name in share) for share in shares]
    assert sorted(simulations) == [1, 1, 1]  # the heavy ones apart
    assert shard_units(healthy, catches, 3) == shares  # the same split every time


def test_the_shards_weigh_each_verdict_by_its_recorded_seconds_where_known() -> None:
    catches: list[Catch | SimulationCatch] = [
        Catch(f"defect-{n}", f"test_{n % 5}", "x", "queue") for n in range(30)
    ]
    catches += [SimulationCatch(f"crash-{n}", "--topups 100", "pipeline drained") for n in (1, 2)]
    healthy = [f"test_{n}" for n in range(5)]
    # one scenario run waits out a readiness timeout: it outweighs a simulation, recorded so
    slow = unit("defect-7", "test_2")
    recorded = {slow: 250.0, unit("crash-1", "--topups 100"): 60.0}

    shares = shard_units(healthy, catches, 3, recorded)

    every = [name for share in shares for name in share]
    assert len(every) == len(set(every)) == 5 + 30 + 1 + 2
    (alone,) = [share for share in shares if slow in share]
    assert alone == [slow]  # 250 s: a shard's whole share
    assert shard_units(healthy, catches, 3, recorded) == shares


def test_run_matrix_by_shards_gives_every_verdict_once(project: Path) -> None:
    catches: list[Catch | SimulationCatch] = [
        Catch("route-not-mounted", "test_credits", "the wallet was not credited", "delivery"),
        Catch("lost-update", "test_ledger_chain", "the ledger chain is broken", "ledger"),
        Catch("amount-in-pounds", "test_paid[\\xa350.00]", "not credited", "job"),
    ]
    whole = {(v.defect, v.scenario) for v in run_matrix(catches, project, jobs=1)}

    parts = [
        {(v.defect, v.scenario) for v in run_matrix(catches, project, jobs=1, shard=Shard(k, 2))}
        for k in (1, 2)
    ]

    assert parts[0] | parts[1] == whole
    assert not parts[0] & parts[1]
    assert len(whole) == 3 + 3  # the three catches, and their scenarios on the healthy app
