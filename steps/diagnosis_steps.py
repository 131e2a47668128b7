"""Steps about the flow trace itself: which stage the diagnosis blames for a top-up."""

from __future__ import annotations

from pytest_bdd import parsers, then

from harness.diagnosis import STAGE_KEYS, diagnose
from harness.scenario import Scenario


@then(parsers.re(r'the diagnosis names the "(?P<stage>[a-z ]+)" stage'))
def diagnosis_names(wallet_scenario: Scenario, stage: str) -> None:
    assert stage in STAGE_KEYS, f"no stage {stage!r}; the stages are {', '.join(STAGE_KEYS)}"
    wallet_scenario.wait_until_quiet()
    diagnosis = diagnose(wallet_scenario)
    assert diagnosis.first_broken == stage, (
        f"the diagnosis names {diagnosis.first_broken or 'no'} stage, not {stage}:\n"
        f"{diagnosis.render()}"
    )
