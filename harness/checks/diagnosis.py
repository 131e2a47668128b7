"""What the diagnosis (``harness.diagnosis``) blames for the scenario's top-ups."""

from __future__ import annotations

from harness.diagnosis import STAGE_KEYS, diagnose
from harness.scenario import Scenario

# what a failed check here is about, when no stage of the flow broke (harness.diagnosis.blame)
FAILURE_STAGE = "steps"


def diagnosis_names(scenario: Scenario, stage: str) -> None:
    """Once the stack is quiet, the first broken stage of the diagnosis is ``stage``; the
    message shows the whole flow trace."""
    if stage not in STAGE_KEYS:
        raise AssertionError(f"no stage {stage!r}; the stages are {', '.join(STAGE_KEYS)}")
    scenario.wait_until_quiet()
    diagnosis = diagnose(scenario)
    if diagnosis.first_broken != stage:
        raise AssertionError(
            f"the diagnosis names {diagnosis.first_broken or 'no'} stage, not {stage}:\n"
            f"{diagnosis.render()}"
        )
