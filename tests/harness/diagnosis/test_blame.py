"""Which stage a failed step is about: each check module says so, and ``blame`` reads it from
the failure's traceback (a function's own stage, then the scenario's topic, then the module's,
then ``steps``)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import harness.checks
from harness.checks import billing, ledger, topups
from harness.diagnosis.blame import ALL_STAGES, FailedStep, attribute, blame
from harness.diagnosis.stages import BROKEN, OK, judge
from tests.harness.diagnosis.topup_evidence import SESSION, credited_by_webhook


def _check_modules() -> list[str]:
    return [f"harness.checks.{info.name}" for info in pkgutil.iter_modules(harness.checks.__path__)]


@pytest.mark.parametrize("name", _check_modules())
def test_every_check_module_says_what_its_failures_are_about(name: str) -> None:
    module = importlib.import_module(name)
    assert getattr(module, "FAILURE_STAGE", None) in ALL_STAGES, name
    for function, stage in getattr(module, "FAILURE_STAGES", {}).items():
        assert callable(getattr(module, function, None)), f"{name} has no {function}"
        assert stage in ALL_STAGES, (name, function, stage)


def _raised(call: object, *args: object) -> BaseException:
    with pytest.raises(AssertionError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def test_a_functions_own_stage_comes_first() -> None:
    class _Scenario:
        latest_session = SESSION

        def api(self, email: str) -> object:
            class _Api:
                def check_top_up(self, session: str) -> object:
                    return type("A", (), {"status_code": 404})()

            return _Api()

    error = _raised(topups.reference_check_answered, _Scenario(), "a@b.c", 200)
    failed = blame(error, "Then checking ...", ["billing"])
    assert (failed.stage, failed.step) == ("access", "Then checking ...")
    assert "reference_check_answered is about access" in failed.why


def test_the_scenarios_topic_comes_before_the_modules_stage() -> None:
    class _Rows:
        def topup_rows(self, session: str) -> list[object]:
            return []

    class _Scenario:
        latest_session = SESSION

        def wait_until_quiet(self) -> None:
            return None

    error = _raised(ledger.one_topup_row_for_latest, _Scenario(), _Rows())
    assert blame(error, None, ["isolation"]).stage == "access"
    assert blame(error, None, ["webhook"]).stage == "ledger"


def test_a_module_stage_and_the_last_resort() -> None:
    assert blame(
        _raised(billing.sms_sent, type("G", (), {"status_code": 402})(), 4), None
    ).stage == ("billing")
    failed = blame(TimeoutError("the page did not load"), "When x")
    assert (failed.stage, failed.error) == ("steps", "TimeoutError: the page did not load")


def test_a_flow_stage_is_marked_broken_in_the_latest_topups_trace() -> None:
    trace = judge(credited_by_webhook())
    failed = FailedStep(
        "Then the dashboard lists 2 transactions", "AssertionError: 1", "screen", "x"
    )
    traces, own = attribute((trace,), failed, SESSION)
    assert own is None
    assert traces[0].first_broken == "screen"
    assert traces[0].stage("screen").status == BROKEN
    assert any("judged it ok" in line for line in traces[0].stage("screen").evidence)


def test_nothing_is_attributed_when_a_flow_stage_broke() -> None:
    trace = judge(credited_by_webhook(ledger_rows=()))
    assert trace.first_broken == "ledger"
    failed = FailedStep("Then x", "AssertionError", "access", "y")
    traces, own = attribute((trace,), failed, SESSION)
    assert (traces, own) == ((trace,), None)
    assert trace.stage("screen").status == OK
