"""Where the example Express app lives, and the mark its tests carry: they need node and the
app's npm packages (scripts/bootstrap installs both), and are never skipped in CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "examples" / "express-wallet"

needs_node = pytest.mark.skipif(
    (shutil.which("node") is None or not (APP / "node_modules" / "pg").is_dir())
    and not os.environ.get("CI"),
    reason="needs node and `npm install --prefix examples/express-wallet` (scripts/bootstrap"
    " does both; never skipped in CI)",
)
