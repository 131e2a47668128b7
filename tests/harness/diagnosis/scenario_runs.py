"""Run the BDD scenarios as a user would, in a pytest of their own, for the end-to-end tests of
what a failure prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run_scenarios(*args: str) -> subprocess.CompletedProcess[str]:
    """``pytest steps ARGS`` from the project's root, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "steps", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
