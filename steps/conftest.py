"""Wires the step modules and the harness into the scenarios collected by test_scenarios.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.drivers.records import Records
from harness.ledger_driver import LedgerDriver
from harness.scenario import Scenario
from steps.ledger_steps import *  # noqa: F403  (step definitions are fixtures: import to register)
from steps.topup_steps import *  # noqa: F403


@pytest.fixture
def ledger(wallet_ledger_db_url: str) -> Iterator[LedgerDriver]:
    driver = LedgerDriver(wallet_ledger_db_url)
    yield driver
    driver.close()


@pytest.fixture
def records(wallet_scenario: Scenario) -> Records:
    return Records(wallet_scenario.stack)
