"""The defect matrix's scenario runs as one pytest session: the plan the runner writes and the
plugin (``harness.plugin.matrix_plan``) reads, and how a test run against a defect is named.

A plan maps each set of defects (``""``: the healthy app) to the test names to run against it,
in the order to run them. The plugin parametrizes each planned scenario with its defects, so
``test_x[£50.00]`` run against ``stale-webhook-url`` is reported as
``test_x[£50.00-matrix:stale-webhook-url]``; ``split_name`` takes that apart again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

PREFIX = "matrix:"
HEALTHY_ID = "healthy"


def run_id(defect: str) -> str:
    """The parameter id of a run against ``defect`` (``""``: none)."""
    return PREFIX + (defect or HEALTHY_ID)


def split_name(name: str) -> tuple[str, str] | None:
    """``test_x[£50.00-matrix:wrong-secret]`` -> ``("test_x[£50.00]", "wrong-secret")``;
    ``test_y[matrix:healthy]`` -> ``("test_y", "")``; None for a name the plan did not make."""
    if not name.endswith("]") or PREFIX not in name:
        return None
    head, _, tail = name[:-1].rpartition(PREFIX)
    defect = "" if tail == HEALTHY_ID else tail
    if head.endswith("["):
        return head[:-1], defect
    if head.endswith("-"):
        return head[:-1] + "]", defect
    return None


def write_plan(path: Path, runs: Mapping[str, Sequence[str]]) -> None:
    path.write_text(
        json.dumps({"runs": [{"defect": d, "tests": list(t)} for d, t in runs.items()]})
    )


def read_plan(path: Path) -> dict[str, list[str]]:
    """The runs in order: defect -> test names. A file that is not a plan is a ValueError."""
    try:
        runs = json.loads(path.read_text())["runs"]
        plan = {str(run["defect"]): [str(name) for name in run["tests"]] for run in runs}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not a defect matrix plan ({error})") from None
    return plan
