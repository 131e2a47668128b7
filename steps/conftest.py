"""Wires the step modules and the harness into the scenarios collected by test_scenarios.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.ledger_driver import LedgerDriver
from harness.ledger_invariants import assert_ledger_sound
from steps.ledger_steps import *  # noqa: F403  (step definitions are fixtures: import to register)


@pytest.fixture
def ledger(wallet_ledger_db_url: str) -> Iterator[LedgerDriver]:
    driver = LedgerDriver(wallet_ledger_db_url)
    yield driver
    driver.close()


_STEP_FAILED = pytest.StashKey[bool]()


def pytest_bdd_step_error(request: pytest.FixtureRequest, **_: Any) -> None:
    request.node.stash[_STEP_FAILED] = True


def pytest_bdd_after_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """Whatever a scenario asserted, the ledger must still be sound afterwards.

    Skipped when a step already failed, so the step's own message stays the one reported.
    """
    if request.node.stash.get(_STEP_FAILED, False):
        return
    driver: LedgerDriver = request.getfixturevalue("ledger")
    assert_ledger_sound(driver.conn)
