"""The diagnosis

Which stage the flow trace blames for a top-up. STAGE is one of the trace's stages, from
`session` to `screen` (`harness/diagnosis/trace.py`); an unknown one fails with their list.
"""

from __future__ import annotations

from pytest_bdd import parsers, then

from harness.checks.diagnosis import diagnosis_names
from harness.scenario import Scenario


@then(parsers.re(r'the diagnosis names the "(?P<stage>[a-z ]+)" stage'))
def diagnosis_names_stage(wallet_scenario: Scenario, stage: str) -> None:
    """Then the diagnosis names the "STAGE" stage

    Example: Then the diagnosis names the "delivery" stage

    The first broken stage of the first top-up that has one; a failure shows the whole trace.
    """
    diagnosis_names(wallet_scenario, stage)
