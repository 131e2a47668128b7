"""The simulation bench's reading of where the bound is: the app's own processes' CPU per
top-up, and the top-ups per second that alone allows on the machine's cores."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from simulation_throughput import app_bound  # noqa: E402


def test_the_apps_bound_counts_its_web_worker_and_database_only() -> None:
    used = {
        "web": 60.0,
        "worker": 40.0,
        "postgres": 40.0,
        "fake": 30.0,
        "driver (this process)": 27.0,
    }

    app_ms, bound = app_bound(used, topups=10_000, cores=2)

    assert app_ms == pytest.approx(14.0)
    assert bound == pytest.approx(2000 / 14.0)  # two cores' milliseconds a second, 14 a top-up


def test_an_app_that_used_nothing_bounds_nothing() -> None:
    assert app_bound({"fake": 3.0}, topups=100, cores=2) == (0.0, float("inf"))
