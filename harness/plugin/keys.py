"""What the plugin's modules share about a test, kept on its item's stash (``item.stash``),
and the one tag whose name they and the benches share."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from harness.scenario import Scenario

# the scenario's world, set by the ``wallet_scenario`` fixture, read by the hooks that check and
# explain it
SCENARIO_KEY: pytest.StashKey[Scenario] = pytest.StashKey()
# set when one of the scenario's steps failed: its own message is the one to report
STEP_FAILED_KEY: pytest.StashKey[bool] = pytest.StashKey()
# the failed step's sentence ("Then the dashboard shows ..."), for the diagnosis to name
FAILED_STEP_KEY: pytest.StashKey[str] = pytest.StashKey()
# a scenario about real slowness (it waits out an app's own timeout on purpose) is tagged so, and
# the tag is a property of its report: bench/bdd_suite.py holds it apart from the 3 s target
REAL_SLOWNESS_TAG = "real-slowness"
