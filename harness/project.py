"""Where the project checkout is: the folder holding ``features/`` and the one module that
collects the scenarios. The command line runs pytest there, and keeps its artifacts there."""

from __future__ import annotations

from pathlib import Path

SCENARIOS_MODULE = Path("steps") / "test_scenarios.py"
ARTIFACTS = Path("artifacts")


class ProjectNotFound(RuntimeError):
    """The features and steps live in the project checkout, which could not be found."""


def find_project_root(start: Path | None = None) -> Path:
    """The checkout holding ``features/`` and the scenario collector, from here or upwards."""
    candidates = [start or Path.cwd()]
    candidates += list(candidates[0].resolve().parents)
    candidates.append(Path(__file__).resolve().parent.parent)  # an editable install's checkout
    for directory in candidates:
        if (directory / SCENARIOS_MODULE).is_file() and (directory / "features").is_dir():
            return directory
    raise ProjectNotFound(
        f"cannot find {SCENARIOS_MODULE} and features/: run wallet-harness from the project"
        " checkout (or a folder inside it)"
    )


def shown(path: Path, base: Path | None = None) -> str:
    """A path as a command prints it: relative to ``base`` (the current directory unless given)
    when it lies inside it (``artifacts/serve-logs``), else absolute."""
    resolved = path.resolve()
    here = (base or Path.cwd()).resolve()
    return str(resolved.relative_to(here)) if resolved.is_relative_to(here) else str(resolved)


def artifacts_dir() -> Path:
    """``artifacts/`` in the project checkout, else in the current directory."""
    try:
        return find_project_root() / ARTIFACTS
    except ProjectNotFound:
        return Path.cwd() / ARTIFACTS
