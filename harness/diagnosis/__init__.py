"""Where the flow broke, stage by stage: ``diagnose(scenario)`` gathers the runtime evidence
of each top-up the scenario started (``evidence``), judges it stage by stage (``stages``) and
renders the flow traces (``render``). A failed scenario's report starts with it
(``harness.plugin.scenario_hooks``); ``Then the diagnosis names the "<stage>" stage`` asserts
on it. Faults the scenario injected into the app's requests to Stripe's API are shown at the
stages they touched (``api_fault_checks``).

Only runtime evidence counts: Stripe's records and the fake's delivery log, the app's answers,
logs and database, and the page; never how the app or the fake were configured. It may import
the scenario and everything below it.

When every stage held yet a step failed, ``blame`` names the stage the failed step is about
(``diagnose(scenario, failure)``), so no failed scenario's report says "none".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.diagnosis.api_fault_checks import creations_that_came_to_nothing
from harness.diagnosis.blame import ALL_STAGES, FailedStep, attribute, blame
from harness.diagnosis.evidence import TopupEvidence, api_hits, gather, unattributed_creations
from harness.diagnosis.render import render_all
from harness.diagnosis.stages import STAGE_KEYS, Stage, TopupTrace, judge

if TYPE_CHECKING:
    from harness.scenario import Scenario

__all__ = [
    "ALL_STAGES",
    "STAGE_KEYS",
    "Diagnosis",
    "FailedStep",
    "Stage",
    "TopupEvidence",
    "TopupTrace",
    "blame",
    "diagnose",
    "judge",
]


@dataclass(frozen=True)
class Diagnosis:
    traces: tuple[TopupTrace, ...]
    evidence: tuple[TopupEvidence, ...]
    footer: tuple[str, ...] = ()  # e.g. the fake's seed, or why gathering stopped short
    scenario_stage: Stage | None = None  # a failed step's stage outside any top-up's flow
    injected: tuple[Stage, ...] = ()  # faults no top-up's flow came of (no session created)

    @property
    def first_broken(self) -> str | None:
        """The first broken stage of the first top-up that has one, else the failed step's."""
        flow = next((t.first_broken for t in self.traces if t.first_broken), None)
        return flow or (self.scenario_stage.key if self.scenario_stage else None)

    def render(self) -> str:
        return render_all(self.traces, self.footer, self.scenario_stage, self.injected)


def diagnose(scenario: Scenario, failure: FailedStep | None = None) -> Diagnosis:
    """Never raises: a source that cannot be read is reported as unavailable. ``failure``: the
    scenario's failed step, given a stage when no stage of the flow broke."""
    footer: list[str] = []
    try:
        footer.append(f"fake_stripe seed {scenario.stack.config.seed}")
    except Exception as error:
        footer.append(f"fake_stripe seed unknown ({type(error).__name__})")
    evidence: tuple[TopupEvidence, ...] = ()
    traces: tuple[TopupTrace, ...] = ()
    injected: tuple[Stage, ...] = ()
    try:
        evidence = tuple(gather(scenario))
        traces = tuple(judge(item) for item in evidence)
        nothing = creations_that_came_to_nothing(
            unattributed_creations(list(evidence), api_hits(scenario))
        )
        injected = (nothing,) if nothing else ()
    except Exception as error:  # a bug here must not hide the scenario's own failure
        footer.append(f"the diagnosis itself failed: {type(error).__name__}: {error}")
    own: Stage | None = None
    if failure is not None:
        try:
            latest: str | None = scenario.latest_session
        except Exception:
            latest = None
        traces, own = attribute(traces, failure, latest)
    return Diagnosis(traces, evidence, tuple(footer), own, injected)
