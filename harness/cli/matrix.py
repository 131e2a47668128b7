"""``wallet-harness matrix``: run the defect matrix and print one line per verdict."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.defect_matrix.runner import Verdict, run_matrix, unit, write_junit
from harness.defect_matrix.table import MatrixError, SimulationCatch, load, matrix_table
from harness.files import write_output
from harness.project import shown
from harness.sharding import Shard, load_durations, store_durations
from harness.simulation.invariants import INVARIANTS


@dataclass(frozen=True)
class Durations:
    """The durations file (``--shard-durations``) and whether to record this run's times in it
    (``--store-durations``). A verdict's entry is its table's path in the project, ``::``, and
    its ``unit``: the file the BDD suite's tests use holds both apps' matrices beside them."""

    path: Path
    store: bool = False


def run_matrix_command(
    root: Path,
    jobs: int,
    only: Sequence[str] | None,
    junitxml: Path | None,
    pytest_args: Sequence[str],
    shard: Shard | None = None,
    durations: Durations | None = None,
) -> int:
    try:
        table = matrix_table()
        catches = load(table)
    except (MatrixError, OSError) as error:
        print(f"wallet-harness matrix: {error}", file=sys.stderr)
        return 2
    prefix = f"{shown(table, root)}::"  # the table's path in the project, else its full path
    recorded: dict[str, float] = {}
    if durations is not None and (shard is not None or durations.store):
        try:
            every = load_durations(durations.path)
        except ValueError as error:
            print(f"wallet-harness matrix: --shard-durations: {error}", file=sys.stderr)
            return 2
        recorded = {
            name.removeprefix(prefix): seconds
            for name, seconds in every.items()
            if name.startswith(prefix)
        }
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
        elif verdict.note:
            line += f"\n       ({verdict.note})"
        print(line, flush=True)

    verdicts = run_matrix(
        catches,
        root,
        jobs=jobs,
        pytest_args=pytest_args,
        report=show,
        shard=shard,
        recorded=recorded,
    )
    failed = [verdict for verdict in verdicts if verdict.problem]
    print(
        f"defect matrix: {len(verdicts) - len(failed)} of {len(verdicts)} as the table says,"
        f" in {time.monotonic() - started:.0f} s"
    )
    unwritten: list[str] = []  # asked for and not written; the verdicts above stand
    if junitxml is not None:
        why = write_output(
            junitxml, lambda path: write_junit(verdicts, path), "the verdicts' JUnit XML"
        )
        unwritten += [why] if why else []
    if durations is not None and durations.store:
        times = {prefix + unit(v.defect, v.scenario): v.seconds for v in verdicts}
        try:
            store_durations(durations.path, times)
        except OSError as error:
            unwritten.append(f"cannot store the durations in {shown(durations.path)}: {error}")
        except ValueError as error:  # the file, changed during the run (it names itself)
            unwritten.append(f"cannot store the durations: {error}")
        else:
            print(f"stored the durations of {len(times)} verdicts in {shown(durations.path)}")
    for why in unwritten:
        print(f"wallet-harness matrix: {why}", file=sys.stderr)
    return 1 if failed else 2 if unwritten else 0
