"""How strong is the suite? Each mutant of the reference app's money path (``bench/mutants.py``:
the semantic ones written as bugs real wallet apps ship, and mechanical ones drawn with a seed)
is run against the BDD suite and, if the suite passes, against a simulation; a mutant is killed
when a scenario fails on an assertion or an invariant breaks. Prints each result, the score and
the survivors, to be triaged in bench/README.md (a new scenario or invariant, or why the mutant
behaves as the original).

    python bench/mutation.py [--jobs 2] [--mechanical 20] [--seed 1] [--only NAME ...] [--head]

Each mutant runs on a copy of the checkout (the tracked files, the mutant applied), with that
copy first on PYTHONPATH, so the stack it starts runs the mutated app; the checkout itself is
never touched. Long (about a minute and a half per mutant): outside CI, two at a time here.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutants import SEMANTIC, Site, apply_mechanical, mechanical

ROOT = Path(__file__).resolve().parents[1]
SIMULATE = ["--seed", "1", "--orgs", "10", "--topups", "300", "--no-shrink"]
SUITE_TIMEOUT = 1_200  # seconds: a mutant that hangs the suite is an error, not a kill


@dataclass(frozen=True)
class Result:
    name: str
    kind: str  # semantic | mechanical
    why: str
    verdict: str  # killed | survived | error | stale
    by: str  # the scenario or invariant that killed it, or what went wrong
    seconds: float


def copy_checkout(target: Path, *, head: bool = False) -> None:
    """The tracked files (and the changes to them not yet committed) of the checkout; with
    ``head``, the last commit as it stands."""
    if head:
        archive = subprocess.run(
            ["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
        _link_node_modules(target)
        return
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        relative = raw.decode()
        source = ROOT / relative
        if not source.is_file():
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    _link_node_modules(target)


def _link_node_modules(target: Path) -> None:
    modules = ROOT / "examples" / "express-wallet" / "node_modules"
    if modules.is_dir():  # not tracked; the copy's examples need it only to be found
        (target / "examples" / "express-wallet" / "node_modules").symlink_to(modules)


def run_one(name: str, kind: str, why: str, mutate: object, head: bool) -> Result:
    started = time.monotonic()
    # a plain folder name: a colon in it would split PYTHONPATH, and the app would run unmutated
    plain = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)[:40]
    with tempfile.TemporaryDirectory(prefix=f"mutant-{plain}-") as folder:
        root = Path(folder)
        copy_checkout(root, head=head)
        problem = mutate(root)  # type: ignore[operator]
        if problem:
            return Result(name, kind, why, "stale", problem, 0.0)
        env = {**os.environ, "PYTHONPATH": str(root)}
        env.pop("PYTEST_ADDOPTS", None)
        junit = root / "junit.xml"
        suite = _run(
            [
                *("-m", "pytest", "steps", "-p", "no:xdist", "-p", "no:cacheprovider"),
                *("-q", "-x", f"--junitxml={junit}"),
            ],
            root,
            env,
        )
        seconds = time.monotonic() - started
        if suite.returncode == 1:
            killer = _first_failure(junit)
            if killer is not None:
                return Result(name, kind, why, "killed", f"scenario {killer}", seconds)
        if suite.returncode != 0:
            tail = (suite.stdout + suite.stderr).strip().splitlines()[-3:]
            return Result(
                name, kind, why, "error", f"suite exit {suite.returncode}: {tail}", seconds
            )
        sim = _run(["-m", "harness", "simulate", *SIMULATE], root, env)
        seconds = time.monotonic() - started
        if sim.returncode == 1:
            broken = re.findall(r"VIOLATED: ([^\n]+?):", sim.stdout) or ["an invariant"]
            return Result(name, kind, why, "killed", f"simulate: {', '.join(broken[:3])}", seconds)
        if sim.returncode != 0:
            tail = (sim.stdout + sim.stderr).strip().splitlines()[-2:]
            return Result(
                name, kind, why, "error", f"simulate exit {sim.returncode}: {tail}", seconds
            )
        return Result(name, kind, why, "survived", "every scenario and invariant held", seconds)


def _run(args: list[str], root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in the mutant's copy, its output kept."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT,
        check=False,
    )


def _first_failure(junit: Path) -> str | None:
    """The first scenario that failed on an assertion (an error in set-up is no kill)."""
    if not junit.exists():
        return None
    tree = ET.parse(junit)  # noqa: S314 (the report this run just wrote)
    for case in tree.iter("testcase"):
        failure = case.find("failure")
        if failure is not None:
            return f"{case.get('name')}: {(failure.get('message') or '').splitlines()[0][:120]}"
    return None


def jobs_of(args: argparse.Namespace) -> list[tuple[str, str, str, object]]:
    chosen: list[tuple[str, str, str, object]] = []
    for mutant in SEMANTIC:
        chosen.append((mutant.name, "semantic", mutant.why, mutant.apply))
    for site, index in mechanical(ROOT, args.mechanical, args.seed):
        name = f"{Path(site.path).stem}:{site.line} {site.kind}"
        chosen.append(
            (name, "mechanical", f"{site.path} line {site.line}: {site.kind}", _mech(site, index))
        )
    if args.only:
        chosen = [job for job in chosen if any(part in job[0] for part in args.only)]
    if args.kind:
        chosen = [job for job in chosen if job[1] == args.kind]
    return chosen


def _mech(site: Site, index: int) -> object:
    def mutate(root: Path) -> None:
        apply_mechanical(root, site, index)

    return mutate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants at a time (default 2)")
    parser.add_argument("--mechanical", type=int, default=20, help="mechanical mutants drawn")
    parser.add_argument("--seed", type=int, default=1, help="the draw of mechanical mutants")
    parser.add_argument("--only", nargs="*", help="run the mutants whose name holds one of these")
    parser.add_argument("--kind", choices=("semantic", "mechanical"), help="run only these")
    parser.add_argument(
        "--head", action="store_true", help="mutate the last commit, not the working tree"
    )
    args = parser.parse_args()
    jobs = jobs_of(args)
    print(f"mutation run: {len(jobs)} mutants, {args.jobs} at a time", flush=True)
    started = time.monotonic()
    results: list[Result] = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for result in pool.map(lambda job: run_one(*job, args.head), jobs):
            results.append(result)
            print(
                f"{result.verdict:<8} {result.kind:<10} {result.name:<40} {result.by}", flush=True
            )
    report(results, time.monotonic() - started)
    return 0


def report(results: list[Result], wall: float) -> None:
    judged = [r for r in results if r.verdict in ("killed", "survived")]
    for kind in ("semantic", "mechanical", None):
        mine = [r for r in judged if kind is None or r.kind == kind]
        killed = sum(r.verdict == "killed" for r in mine)
        label = kind or "all"
        score = f"{100 * killed / len(mine):.0f}%" if mine else "-"
        print(f"score ({label}): {killed} of {len(mine)} killed ({score})")
    others = [r for r in results if r.verdict not in ("killed", "survived")]
    if others:
        print(f"not judged: {len(others)} ({', '.join(f'{r.name}: {r.verdict}' for r in others)})")
    survivors = [r for r in results if r.verdict == "survived"]
    for r in survivors:
        print(f"survivor: {r.name}: {r.why}")
    times = [r.seconds for r in results if r.seconds]
    if times:
        print(f"per mutant: median {statistics.median(times):.0f} s; wall {wall / 60:.1f} min")


if __name__ == "__main__":
    sys.exit(main())
