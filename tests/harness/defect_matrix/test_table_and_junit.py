"""The defect matrix: reading the table, judging a scenario's result, and the JUnit files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from harness.defect_matrix.runner import Verdict, read_junit, write_junit
from harness.defect_matrix.table import (
    Catch,
    MatrixError,
    Result,
    SimulationCatch,
    judge_catch,
    judge_healthy,
    known_defects,
    load,
)

MESSAGE = "the wallet was not credited: balance £0.00, expected £50.00"


def entry(defect: str, scenario: str = "test_the_webhook_credits_the_topup") -> str:
    return textwrap.dedent(
        f"""
        [[catch]]
        defect = "{defect}"
        scenario = "{scenario}"
        fails_with = "the wallet was not credited"
        stage = "delivery"
        """
    )


def complete_table(*, leave_out: str | None = None, extra: str = "") -> str:
    return "".join(entry(name) for name in known_defects() if name != leave_out) + extra


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "defect_matrix.toml"
    path.write_text(text)
    return path


def test_a_complete_table_loads_one_catch_per_entry(tmp_path: Path) -> None:
    catches = load(write(tmp_path, complete_table(extra=entry("seed-bug", "test_seed_bug_2"))))

    assert [catch.defect for catch in catches] == [*known_defects(), "seed-bug"]
    assert catches[0] == Catch(
        known_defects()[0],
        "test_the_webhook_credits_the_topup",
        "the wallet was not credited",
        "delivery",
    )
    assert catches[-1].node_id == "steps/test_scenarios.py::test_seed_bug_2"


def test_the_catalogue_includes_the_seed_bug_preset() -> None:
    assert "seed-bug" in known_defects()
    assert "route-not-mounted" in known_defects()


@pytest.mark.parametrize("left_out", ["route-not-mounted", "seed-bug"])
def test_a_defect_no_scenario_catches_is_named(tmp_path: Path, left_out: str) -> None:
    with pytest.raises(MatrixError, match=f"no scenario catches {left_out}$"):
        load(write(tmp_path, complete_table(leave_out=left_out)))


def test_an_unknown_defect_is_refused(tmp_path: Path) -> None:
    table = complete_table(extra=entry("no-such-defect"))

    with pytest.raises(MatrixError, match="no defect 'no-such-defect'"):
        load(write(tmp_path, table))


@pytest.mark.parametrize("key", ["defect", "scenario", "fails_with", "stage"])
def test_an_entry_without_a_key_is_refused(tmp_path: Path, key: str) -> None:
    broken = "\n".join(line for line in entry("seed-bug").splitlines() if not line.startswith(key))

    with pytest.raises(MatrixError, match=f"entry 1 lacks {key}$"):
        load(write(tmp_path, broken + complete_table()))


def test_an_empty_value_counts_as_missing(tmp_path: Path) -> None:
    broken = entry("seed-bug").replace('stage = "delivery"', 'stage = ""')

    with pytest.raises(MatrixError, match="entry 1 lacks stage"):
        load(write(tmp_path, broken))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no \\[\\[catch\\]\\] entries"),
        ("catch = []\n", "no \\[\\[catch\\]\\] entries"),
        ('[catch]\ndefect = "seed-bug"\n', "no \\[\\[catch\\]\\] entries"),
        ("[[catch]\ndefect = 1\n", "defect_matrix.toml: not TOML: "),
        ('catch = ["seed-bug"]\n', "entry 1 is not a table"),
        (
            complete_table().replace('"test_the_webhook_credits_the_topup"', "2", 1),
            "scenario is not a string",
        ),
    ],
    ids=["empty", "empty-list", "a-table-not-a-list", "bad-toml", "not-a-table", "not-strings"],
)
def test_a_malformed_table_is_a_matrix_error(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(MatrixError, match=reason) as raised:
        load(write(tmp_path, text))
    assert str(tmp_path / "defect_matrix.toml") in str(raised.value)


def test_a_table_that_cannot_be_read_is_a_matrix_error(tmp_path: Path) -> None:
    with pytest.raises(MatrixError, match=r"defect_matrix\.toml: no such file$"):
        load(tmp_path / "defect_matrix.toml")
    with pytest.raises(MatrixError, match=f"^{tmp_path}: a folder, not a file$"):
        load(tmp_path)
    path = write(tmp_path, "")
    path.write_bytes(b"[[catch]]\n\xff")
    with pytest.raises(MatrixError, match=r"defect_matrix\.toml: not UTF-8 text"):
        load(path)


CATCH = Catch("route-not-mounted", "test_credits", "the wallet was not credited", "delivery")


@pytest.mark.parametrize(
    ("result", "problem"),
    [
        (Result("passed", "", None), "expected a failed assertion, got passed"),
        (Result("error", MESSAGE, "delivery"), "expected a failed assertion, got error"),
        (Result("skipped", "no chromium", None), "got skipped: no chromium"),
        (Result("missing", "the scenario did not run", None), "got missing"),
        (Result("failed", "assert 1 == 2", "delivery"), "failed, but not with 'the wallet was"),
        (Result("failed", MESSAGE, "queue"), "the diagnosis named 'queue', not 'delivery'"),
        (Result("failed", MESSAGE, None), "the diagnosis named None, not 'delivery'"),
    ],
    ids=["passed", "error", "skipped", "missing", "wrong-message", "wrong-stage", "no-stage"],
)
def test_anything_but_the_promised_failure_is_not_a_catch(result: Result, problem: str) -> None:
    verdict = judge_catch(CATCH, result)

    assert verdict is not None
    assert problem in verdict


def test_the_promised_failure_at_the_promised_stage_is_a_catch() -> None:
    assert judge_catch(CATCH, Result("failed", MESSAGE, "delivery")) is None


def test_a_long_message_is_cut_in_the_verdict() -> None:
    verdict = judge_catch(CATCH, Result("error", "x" * 5000, None))

    assert verdict is not None
    assert len(verdict) < 400


@pytest.mark.parametrize("outcome", ["failed", "error", "skipped", "missing"])
def test_only_a_pass_is_healthy(outcome: str) -> None:
    assert judge_healthy(Result("passed", "", None)) is None
    problem = judge_healthy(Result(outcome, "boom", "ledger"))
    assert problem == f"fails without any defect ({outcome}): boom"


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests">
<testsuite name="pytest" errors="2" failures="3" skipped="1" tests="8">
  <testcase classname="steps.test_scenarios" name="test_caught" time="3.1">
    <properties>
      <property name="wallet_scenario" value="http://127.0.0.1:41000"/>
      <property name="diagnosis_stage" value="delivery"/>
      <property name="failed_assertion" value="the wallet was not credited: balance £0.00"/>
    </properties>
    <failure message="AssertionError: the wallet was not credited&#10;assert 0 == 5000">
      traceback text
    </failure>
  </testcase>
  <testcase classname="steps.test_scenarios" name="test_failed_plainly" time="0.1">
    <failure message="assert 1 == 2">longer text</failure>
  </testcase>
  <testcase classname="steps.test_scenarios" name="test_failed_text_only" time="0.1">
    <failure>only the text</failure>
  </testcase>
  <testcase classname="steps.test_scenarios" name="test_setup_error" time="0.1">
    <properties><property name="diagnosis_stage" value=""/></properties>
    <error message="failed on setup with &quot;ServiceFailed: web exited&quot;">trace</error>
  </testcase>
  <testcase classname="steps.test_scenarios" name="test_failed_then_teardown_error" time="0.1">
    <properties><property name="diagnosis_stage" value="ledger"/></properties>
    <failure message="assert balance == 5000">trace</failure>
    <error message="failed on teardown with &quot;ResetFailed&quot;">trace</error>
  </testcase>
  <testcase classname="steps.test_scenarios" name="test_skipped" time="0.0">
    <skipped type="pytest.skip" message="no Chromium">skip reason</skipped>
  </testcase>
  <testcase classname="steps.test_scenarios" name="test_passed" time="1.0">
    <properties><property name="diagnosis_stage" value="delivery"/></properties>
  </testcase>
</testsuite>
</testsuites>
"""


def test_read_junit_tells_each_outcome_with_its_message_and_stage(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT, encoding="utf-8")

    assert read_junit(path) == {
        "test_caught": Result("failed", "the wallet was not credited: balance £0.00", "delivery"),
        "test_failed_plainly": Result("failed", "assert 1 == 2", None),
        "test_failed_text_only": Result("failed", "only the text", None),
        "test_setup_error": Result(
            "error", 'failed on setup with "ServiceFailed: web exited"', None
        ),
        # an error outranks the failure: never a catch
        "test_failed_then_teardown_error": Result(
            "error", 'failed on teardown with "ResetFailed"', "ledger"
        ),
        "test_skipped": Result("skipped", "no Chromium", None),
        "test_passed": Result("passed", "", "delivery"),
    }


def test_write_junit_round_trips_through_read_junit(tmp_path: Path) -> None:
    verdicts = [
        Verdict("", "test_credits", None, 12.34),
        Verdict("route-not-mounted", "test_credits_route", None, 8.0),
        Verdict("seed-bug", "test_seed_bug", "the diagnosis named 'queue', not 'delivery'", 9.5),
        Verdict("lost-update", "test_lost_update", "x" * 800, 1.0),
    ]
    path = tmp_path / "reports" / "junit-defect-matrix.xml"

    write_junit(verdicts, path)

    assert read_junit(path) == {
        "test_credits": Result("passed", "", None),
        "test_credits_route": Result("passed", "", None),
        "test_seed_bug": Result("failed", "the diagnosis named 'queue', not 'delivery'", None),
        "test_lost_update": Result("failed", "x" * 500, None),  # the message attribute is cut
    }
    text = path.read_text(encoding="utf-8")
    assert '<testsuite name="defect-matrix" tests="4" failures="2">' in text
    assert 'classname="defect-matrix.healthy" name="test_credits" time="12.3"' in text
    assert 'classname="defect-matrix.seed-bug" name="test_seed_bug"' in text
    assert "x" * 800 in text  # the whole problem in the failure's text


def test_a_simulation_entry_loads_as_a_simulation_catch(tmp_path: Path) -> None:
    simulation = (
        '[[catch]]\ndefect = "seed-bug"\nsimulate = "--seed 1 --nemesis kill-web"\n'
        'breaks = "acknowledged means credited"\n'
    )

    catches = load(write(tmp_path, complete_table(extra=simulation)))

    assert catches[-1] == SimulationCatch(
        "seed-bug", "--seed 1 --nemesis kill-web", "acknowledged means credited"
    )
    assert catches[-1].scenario == "simulate --seed 1 --nemesis kill-web"


def test_a_simulation_entry_without_the_invariant_it_breaks_is_refused(tmp_path: Path) -> None:
    broken = '[[catch]]\ndefect = "seed-bug"\nsimulate = "--seed 1"\n'

    with pytest.raises(MatrixError, match=r"entry 1 lacks breaks$"):
        load(write(tmp_path, broken + complete_table()))
