"""``wallet-harness matrix``: run the defect matrix and print one line per verdict."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

from harness.defect_matrix.runner import Verdict, run_matrix, write_junit
from harness.defect_matrix.table import MatrixError, SimulationCatch, load, matrix_table
from harness.sharding import Shard
from harness.simulation.invariants import INVARIANTS


def run_matrix_command(
    root: Path,
    jobs: int,
    only: Sequence[str] | None,
    junitxml: str | None,
    pytest_args: Sequence[str],
    shard: Shard | None = None,
) -> int:
    try:
        catches = load(matrix_table())
    except (MatrixError, OSError) as error:
        print(f"wallet-harness matrix: {error}", file=sys.stderr)
        return 2
    for catch in catches:
        if isinstance(catch, SimulationCatch) and catch.breaks not in INVARIANTS:
            print(
                f"wallet-harness matrix: {catch.defect}: no invariant {catch.breaks!r}"
                f" (known: {', '.join(INVARIANTS)})",
                file=sys.stderr,
            )
            return 2
    if only:  # known defects (argparse checked), each of which the table covers (load checked)
        catches = [catch for catch in catches if catch.defect in only]
    defects = sorted({catch.defect for catch in catches})
    print(
        f"defect matrix: {len(catches)} catches of {len(defects)} defects, plus the healthy run;"
        f" {jobs} at a time" + (f"; shard {shard} of the verdicts" if shard else "")
    )
    started = time.monotonic()

    def show(verdict: Verdict) -> None:
        mark = "ok  " if verdict.problem is None else "FAIL"
        defect = verdict.defect or "(no defect)"
        line = f"{mark} {defect:<28} {verdict.scenario}"
        if verdict.problem:
            line += f"\n       {verdict.problem}"
        print(line, flush=True)

    verdicts = run_matrix(
        catches, root, jobs=jobs, pytest_args=pytest_args, report=show, shard=shard
    )
    failed = [verdict for verdict in verdicts if verdict.problem]
    print(
        f"defect matrix: {len(verdicts) - len(failed)} of {len(verdicts)} as the table says,"
        f" in {time.monotonic() - started:.0f} s"
    )
    if junitxml:
        write_junit(verdicts, Path(junitxml))
    return 1 if failed else 0
