"""This repository's CI on N runners: ``python scripts/ci_shard.py K/N`` runs runner K's part of
what ``tox`` runs on one (README.md), so that N runners together run all of it, every test once.
``bash .ci/shard K/N`` installs what a fresh machine lacks first, as ``bash .ci/run`` does.

- The envs that split take ``--shard K/N`` (docs/sharding.md): the tests env, the two BDD runs
  and the two defect matrices run their shard K on every runner, the tests and the scenarios
  balanced by the times in test-durations.json, the matrices' verdicts by their cost.
- The envs that do not split (lint, and the two simulations: one run each) run whole, each on
  one runner: the longest first, onto the runner with the least of them so far.

Each tox run writes its reports to reports/ as on one runner; a last CI job merges the runners'
JUnit reports with ``wallet-harness merge-reports`` (docs/sharding.md has the pipelines).
Exits 0 when every env passed, 1 when one failed (the others are still run, so a runner reports
everything it was given), 2 on a bad K/N.

    python scripts/ci_shard.py K/N [--dry-run]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from harness.sharding import Shard, parse_shard

ROOT = Path(__file__).resolve().parents[1]

# tox.ini's envs that pass their arguments on to a runner that takes --shard
SPLIT_ENVS = ("tests", "features", "defect-matrix", "features-express", "defect-matrix-express")
# the others, each with about the seconds it takes on the 2-core machine (bench/README.md): what
# places it on a runner
WHOLE_ENVS = {"lint": 15.0, "simulation": 30.0, "simulation-express": 25.0}
# the smallest env that splits, the Express app's defect matrix, has 17 verdicts: at 8 runners
# each holds two or three, and every runner pays its own start-ups (bootstrap, tox's envs, a
# stack per session), so more runners would add more of those than they take off each
MAX_RUNNERS = 8


def whole_envs_on(shard: Shard) -> list[str]:
    """The envs that do not split which runner ``shard`` runs, in tox.ini's order."""
    loads = [0.0] * shard.total
    mine: list[str] = []
    for env, seconds in sorted(WHOLE_ENVS.items(), key=lambda item: (-item[1], item[0])):
        lightest = min(range(shard.total), key=lambda index: (loads[index], index))
        loads[lightest] += seconds
        if lightest == shard.index - 1:
            mine.append(env)
    return [env for env in WHOLE_ENVS if env in mine]


def commands(shard: Shard) -> list[list[str]]:
    """The tox runs of runner ``shard``: its whole envs, then its shard of the others."""
    runs = [["tox", "-e", ",".join(SPLIT_ENVS), "--", "--shard", str(shard)]]
    whole = whole_envs_on(shard)
    return [["tox", "-e", ",".join(whole)], *runs] if whole else runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ci_shard.py", description="run runner K's part of this repository's CI on N runners"
    )
    parser.add_argument("shard", metavar="K/N", help="this runner, K of N (from 1), e.g. 2/4")
    parser.add_argument("--dry-run", action="store_true", help="print the tox runs, run none")
    args = parser.parse_args(argv)
    try:
        shard = parse_shard(args.shard)
    except ValueError as error:
        parser.error(str(error))
    if shard.total > MAX_RUNNERS:
        parser.error(
            f"at most {MAX_RUNNERS} runners: beyond that each runner's start-ups outweigh its"
            " share of the Express app's 17 defect-matrix verdicts"
        )
    failed = 0
    for command in commands(shard):
        print(f"ci_shard {shard}: {' '.join(command)}", flush=True)
        if args.dry_run:
            continue
        started = time.monotonic()
        code = subprocess.run(command, cwd=ROOT, check=False).returncode
        took = time.monotonic() - started
        print(f"ci_shard {shard}: exit {code} after {took:.0f} s: {' '.join(command)}", flush=True)
        failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
