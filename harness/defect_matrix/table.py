"""The defect matrix: which scenarios must fail against which defect, and how.

The app's profile names its matrix (``[defects] matrix``, e.g. the reference app's
``features/defect_matrix.toml``): a table that maps every defect and preset the profile declares
to the scenarios that must catch it. Each entry names the scenario (its
pytest-bdd test name), a fragment of the assertion message it must fail with, and the stage the
diagnosis must name. ``harness.defect_matrix.runner`` runs it; this module reads the table and
judges one scenario's result.

A catch is a failed assertion with that message and that stage, nothing else: an error in
set-up, a crash or a timeout is a red result, never a catch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.files import UnreadableFile, read_toml_file
from harness.profile.loading import default_profile
from harness.project import SCENARIOS_MODULE

KEYS = ("defect", "scenario", "fails_with", "stage")  # a scenario's catch names all four
SIMULATION_KEYS = ("defect", "simulate", "breaks")  # a simulation's catch names these three


class MatrixError(ValueError):
    """The table is malformed or leaves a defect uncovered."""


@dataclass(frozen=True)
class Catch:
    defect: str
    scenario: str  # pytest-bdd's test name, e.g. test_the_webhook_credits_the_reports_5000_topup
    fails_with: str  # a fragment of the failed assertion's message
    stage: str  # the stage the diagnosis must name first

    @property
    def node_id(self) -> str:
        return f"{SCENARIOS_MODULE.as_posix()}::{self.scenario}"


@dataclass(frozen=True)
class SimulationCatch:
    """A defect only a simulation shows (a crash under load, say): ``wallet-harness simulate
    <simulate>`` holds every invariant on the healthy app and breaks ``breaks`` with the
    defect on."""

    defect: str
    simulate: str  # its arguments, e.g. "--seed 1 --topups 1000 --nemesis kill-worker"
    breaks: str  # the invariant it must break (harness.simulation.invariants.INVARIANTS)

    @property
    def scenario(self) -> str:  # how a verdict names it
        return f"simulate {self.simulate}"


@dataclass(frozen=True)
class Result:
    """How one scenario ended in one run (from the run's JUnit XML)."""

    outcome: str  # passed | failed | error | skipped | missing
    message: str  # the failed assertion's message (or the error's)
    stage: str | None  # the diagnosis' first broken stage
    seconds: float = field(default=0.0, compare=False)  # set-up, steps and teardown


def matrix_table() -> Path:
    """The app profile's defect matrix (``[defects] matrix``, relative to the profile)."""
    loaded = default_profile()
    if not loaded.app.defects.matrix:
        raise MatrixError(
            f"{loaded.path}: names no defect matrix (set [defects] matrix to a table of"
            " [[catch]] entries; docs/app-profile.md)"
        )
    return loaded.folder / loaded.app.defects.matrix


def known_defects() -> list[str]:
    """Every name the app's profile declares: its defects, then its presets."""
    defects = default_profile().app.defects
    return [*defects.names, *sorted(defects.presets)]


def load(path: Path) -> list[Catch | SimulationCatch]:
    try:
        data = read_toml_file(path)
    except FileNotFoundError:
        raise MatrixError(f"{path}: no such file") from None
    except UnreadableFile as error:
        raise MatrixError(str(error)) from None
    entries = data.get("catch")
    if not isinstance(entries, list) or not entries:
        raise MatrixError(f"{path}: no [[catch]] entries")
    catches: list[Catch | SimulationCatch] = []
    known = set(known_defects())
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise MatrixError(f"{path}: entry {number} is not a table")
        keys = SIMULATION_KEYS if "simulate" in entry else KEYS
        not_text = [key for key in keys if not isinstance(entry.get(key, ""), str)]
        if not_text:
            raise MatrixError(f"{path}: entry {number}: {', '.join(not_text)} is not a string")
        missing = [key for key in keys if not entry.get(key)]
        if missing:
            raise MatrixError(f"{path}: entry {number} lacks {', '.join(missing)}")
        if entry["defect"] not in known:
            raise MatrixError(f"{path}: entry {number}: no defect {entry['defect']!r}")
        if keys is SIMULATION_KEYS:  # (the command checks ``breaks`` names an invariant)
            catches.append(SimulationCatch(entry["defect"], entry["simulate"], entry["breaks"]))
        else:
            catches.append(
                Catch(entry["defect"], entry["scenario"], entry["fails_with"], entry["stage"])
            )
    uncovered = [name for name in known_defects() if name not in {c.defect for c in catches}]
    if uncovered:
        raise MatrixError(f"{path}: no scenario catches {', '.join(uncovered)}")
    return catches


def judge_catch(catch: Catch, result: Result) -> str | None:
    """None when ``result`` is the catch the table promises; otherwise what went wrong."""
    if result.outcome != "failed":
        return f"expected a failed assertion, got {result.outcome}: {result.message[:300]}"
    if catch.fails_with not in result.message:
        return f"failed, but not with {catch.fails_with!r}: {result.message[:300]}"
    if result.stage != catch.stage:
        return f"the diagnosis named {result.stage!r}, not {catch.stage!r}"
    return None


def judge_healthy(result: Result) -> str | None:
    """Without the defect the same scenario must pass."""
    if result.outcome != "passed":
        return f"fails without any defect ({result.outcome}): {result.message[:300]}"
    return None
