"""Wall time of the BDD suite and the time of each browser scenario (median and 95th percentile).

Runs ``pytest steps`` as CI does (``-n auto`` unless told otherwise) with a JUnit report, then
reads each scenario's time from it (set-up, steps and teardown), less what the test that first
needed them spent starting the session's stack or Chromium (the plugin's ``startup_ms``
property), which is printed apart. Browser scenarios are those that ran on the stack (the
harness marks them with the ``wallet_scenario`` property); the target is a median of at most
1.5 s on a 2-core machine, with no scenario over 3 s unless it is about real slowness (issue
16): such a scenario is tagged ``@real-slowness`` and held apart. Prints figures per run, each
scenario over 3 s with its slowest steps, and the medians over runs; never asserts.

    python bench/bdd_suite.py [--runs 3] [--workers auto] [-- extra pytest args]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from harness.plugin.keys import REAL_SLOWNESS_TAG as REAL_SLOWNESS

ROOT = Path(__file__).resolve().parents[1]
TARGET_P50 = 1.5
TARGET_MAX = 3.0  # no scenario slower than this (issue 16), unless it is about real slowness


@dataclass(frozen=True, order=True)
class Slow:
    """A scenario over TARGET_MAX, its two slowest steps, and whether it is tagged
    ``@real-slowness`` (about an app's own timeout, which it waits out on purpose: the issue
    holds such scenarios apart from the target)."""

    seconds: float
    name: str
    steps: list[tuple[float, str]]
    real_slowness: bool


@dataclass(frozen=True)
class Run:
    wall: float
    browser: list[float]  # call seconds of each scenario on the stack
    other: list[float]  # the ledger scenarios (a database each, no browser)
    resets_ms: list[float]
    failed: int
    steps_ms: dict[str, list[float]]  # step sentence (numbers masked) -> each run's ms
    slow: list[Slow]  # over TARGET_MAX
    startups: list[tuple[str, float]]  # (stack | browser, seconds): the session's, set apart


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def one_run(workers: str, extra: list[str]) -> Run:
    with tempfile.TemporaryDirectory() as scratch:
        junit = Path(scratch) / "junit.xml"
        command = [sys.executable, "-m", "pytest", "steps", "-q", "-p", "no:cacheprovider"]
        command += ["-n", workers] if workers != "0" else ["-p", "no:xdist"]
        command += [f"--junitxml={junit}", *extra]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if not junit.exists():
            sys.exit(f"pytest wrote no report:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        return read_report(junit, wall)


def read_report(junit: Path, wall: float) -> Run:
    """One run's figures from its JUnit report (the harness plugin's properties on each test)."""
    browser, other, resets, failed = [], [], [], 0
    steps: dict[str, list[float]] = {}
    slow, startups = [], []
    for case in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314 (our own report)
        properties = {p.get("name"): p.get("value") for p in case.iter("property")}
        own: list[tuple[float, str]] = []
        for prop in case.iter("property"):
            if prop.get("name") == "step_ms":
                sentence, _, ms = (prop.get("value") or "").rpartition("|")
                steps.setdefault(_shape(sentence), []).append(float(ms))
                own.append((float(ms), sentence))
            elif prop.get("name") == "checks_ms":  # the money and screen checks after it
                flow, _, screen = (prop.get("value") or "0|0").partition("|")
                for shape, ms in (
                    ("(after) the money check", flow),
                    ("(after) the screen check", screen),
                ):
                    steps.setdefault(shape, []).append(float(ms))
                    own.append((float(ms), shape))
        starting = [
            _startup(prop.get("value"))
            for prop in case.iter("property")
            if prop.get("name") == "startup_ms"
        ]
        startups += starting
        seconds = float(case.get("time", "0")) - sum(ms for _, ms in starting)
        if seconds > TARGET_MAX:
            steps_by_time = sorted(own, reverse=True)[:2]
            tagged = REAL_SLOWNESS in properties
            slow.append(Slow(seconds, case.get("name", "?"), steps_by_time, tagged))
        failed += case.find("failure") is not None or case.find("error") is not None
        if "wallet_scenario" in properties:
            browser.append(seconds)
            resets.append(float(properties.get("reset_ms") or 0))
        else:
            other.append(seconds)
    return Run(wall, browser, other, resets, failed, steps, sorted(slow, reverse=True), startups)


def counted(run: Run) -> int:
    """Scenarios over TARGET_MAX that the target counts: those not about real slowness."""
    return sum(not over.real_slowness for over in run.slow)


def _startup(value: str | None) -> tuple[str, float]:
    """``stack|5230`` -> ("stack", 5.23)."""
    what, _, ms = (value or "?|0").partition("|")
    return what, float(ms) / 1000


def _shape(sentence: str) -> str:
    """A step's sentence with its amounts, cards and counts masked, to group alike steps."""
    return re.sub(r"£[\d,.]+|\d(?:[\d ]*\d)?", "#", sentence)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", default="auto", help="pytest-xdist workers; 0 for none")
    args, extra = parser.parse_known_args()
    extra = [arg for arg in extra if arg != "--"]
    runs = []
    for number in range(1, args.runs + 1):
        run = one_run(args.workers, extra)
        runs.append(run)
        p50, p95 = statistics.median(run.browser), percentile(run.browser, 0.95)
        reset = statistics.median(run.resets_ms)
        print(
            f"run {number}: wall {run.wall:.1f} s, {len(run.browser)} browser scenarios:"
            f" p50 {p50:.2f} s, p95 {p95:.2f} s, slowest {max(run.browser):.2f} s;"
            f" reset p50 {reset:.0f} ms; {len(run.other)} ledger scenarios; {run.failed} failed",
            flush=True,
        )
        started = ", ".join(f"{what} {seconds:.1f} s" for what, seconds in run.startups)
        print(f"  the session's start-ups, not counted in any scenario: {started or 'none'}")
        for over in run.slow:
            about = f" (@{REAL_SLOWNESS}, held apart)" if over.real_slowness else ""
            print(f"  over {TARGET_MAX:g} s{about}: {over.seconds:5.2f} s  {over.name[:100]}")
            for ms, sentence in over.steps:
                print(f"      {ms / 1000:5.2f} s  {sentence[:96]}")
    steps = runs[-1].steps_ms
    print("where the time goes (last run; total per step shape, calls, median ms):")
    for shape, values in sorted(steps.items(), key=lambda kv: -sum(kv[1]))[:12]:
        print(
            f"  {sum(values) / 1000:6.1f} s  {len(values):3d} x {statistics.median(values):5.0f} ms"
            f"  {shape[:90]}"
        )
    p50s = [statistics.median(run.browser) for run in runs]
    print(
        f"median over {len(runs)} runs: wall {statistics.median(r.wall for r in runs):.1f} s,"
        f" browser scenario p50 {statistics.median(p50s):.2f} s (target <= {TARGET_P50} s),"
        f" p95 {statistics.median(percentile(r.browser, 0.95) for r in runs):.2f} s,"
        f" slowest {statistics.median(max(r.browser) for r in runs):.2f} s"
        f" (target <= {TARGET_MAX:g} s), {statistics.median(counted(r) for r in runs):g} over"
        f" (and {statistics.median(len(r.slow) - counted(r) for r in runs):g}"
        f" tagged @{REAL_SLOWNESS}),"
        f" reset p50 {statistics.median(statistics.median(r.resets_ms) for r in runs):.0f} ms"
    )


if __name__ == "__main__":
    main()
