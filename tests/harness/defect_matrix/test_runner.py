"""The matrix runner end to end, on a tiny project whose "scenarios" react to --app-defects."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from harness.defect_matrix.runner import HEALTHY, Verdict, run_matrix, run_scenarios
from harness.defect_matrix.table import Catch, Result

pytestmark = pytest.mark.slow  # one pytest process per run

SCENARIOS = textwrap.dedent(
    """
    import pytest

    def fail(record_property, stage, message):
        record_property("diagnosis_stage", stage)
        record_property("failed_assertion", message)
        raise AssertionError(message)

    def test_credits(request, record_property):
        defect = request.config.getoption("app_defects")
        if defect == "route-not-mounted":
            fail(record_property, "delivery", "the wallet was not credited: balance £0.00")
        if defect == "lost-update":
            fail(record_property, "queue", "the wallet was not credited: balance £0.00")

    def test_ledger_chain(request, record_property):
        if request.config.getoption("app_defects") == "lost-update":
            fail(record_property, "ledger", "the ledger chain is broken at row 2")

    @pytest.fixture
    def broken_stack(request):
        if request.config.getoption("app_defects") == "worker-not-started":
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


def test_run_scenarios_reports_each_by_name(project: Path) -> None:
    node_ids = [
        "steps/test_scenarios.py::test_credits",
        "steps/test_scenarios.py::test_ledger_chain",
        "steps/test_scenarios.py::test_worker_credits",
    ]

    results = run_scenarios(project, "lost-update", node_ids, [])

    assert results == {
        "test_credits": Result("failed", "the wallet was not credited: balance £0.00", "queue"),
        "test_ledger_chain": Result("failed", "the ledger chain is broken at row 2", "ledger"),
        "test_worker_credits": Result("passed", "", None),
    }


def test_run_scenarios_without_a_report_is_an_error_for_each(project: Path) -> None:
    node_ids = ["steps/test_scenarios.py::test_credits", "steps/test_scenarios.py::test_more"]

    results = run_scenarios(project, HEALTHY, node_ids, ["--no-such-pytest-option"])

    assert set(results) == {"test_credits", "test_more"}
    for result in results.values():
        assert result.outcome == "error"
        assert "pytest wrote no report" in result.message
        assert "--no-such-pytest-option" in result.message  # pytest's own complaint


def test_a_scenario_that_did_not_run_is_missing(project: Path) -> None:
    node_ids = ["steps/test_scenarios.py::test_credits"]

    results = run_scenarios(project, HEALTHY, node_ids, ["-k", "not credits"])

    assert results == {"test_credits": Result("missing", "the scenario did not run", None)}


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
    assert all(verdict.seconds > 0 for verdict in verdicts)
