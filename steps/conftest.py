"""Wires the step modules and the harness into the scenarios collected by test_scenarios.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.drivers.billing import BillingGates
from harness.drivers.hosted_checkout import HostedCheckout
from harness.drivers.ops_view import OpsView
from harness.drivers.records import Records
from harness.drivers.stripe_account import StripeAccount
from harness.drivers.webhook_faults import WebhookFaults
from harness.drivers.worker import Worker
from harness.flow_invariants import assert_flow_sound
from harness.ledger_driver import LedgerDriver
from harness.ledger_invariants import assert_ledger_sound
from harness.scenario import Scenario
from steps.billing_steps import *  # noqa: F403  (step definitions are fixtures: import to register)
from steps.concurrency_steps import *  # noqa: F403
from steps.diagnosis_steps import *  # noqa: F403
from steps.isolation_steps import *  # noqa: F403
from steps.ledger_steps import *  # noqa: F403
from steps.payment_steps import *  # noqa: F403
from steps.topup_steps import *  # noqa: F403
from steps.webhook_steps import *  # noqa: F403
from steps.worker_steps import *  # noqa: F403


@pytest.fixture
def ledger(wallet_ledger_db_url: str) -> Iterator[LedgerDriver]:
    driver = LedgerDriver(wallet_ledger_db_url)
    yield driver
    driver.close()


@pytest.fixture
def records(wallet_scenario: Scenario) -> Records:
    return Records(wallet_scenario.stack)


@pytest.fixture
def worker(wallet_scenario: Scenario) -> Worker:
    return Worker(wallet_scenario.stack)


@pytest.fixture
def stripe_account(wallet_scenario: Scenario) -> StripeAccount:
    return StripeAccount(wallet_scenario.stack.stripe)


@pytest.fixture
def hosted_checkout(wallet_scenario: Scenario) -> HostedCheckout:
    return HostedCheckout(wallet_scenario.stack.control)


@pytest.fixture
def billing_gates(wallet_scenario: Scenario) -> Iterator[BillingGates]:
    gates = BillingGates(wallet_scenario.stack.web_url)
    yield gates
    gates.close()


@pytest.fixture
def webhook_faults(wallet_scenario: Scenario) -> WebhookFaults:
    return WebhookFaults(wallet_scenario.stack.control)


@pytest.fixture
def ops_view(wallet_scenario: Scenario) -> Iterator[OpsView]:
    view = OpsView(wallet_scenario.stack.web_url)
    yield view
    view.close()


_STEP_FAILED = pytest.StashKey[bool]()


def pytest_bdd_step_error(request: pytest.FixtureRequest, **_: Any) -> None:
    request.node.stash[_STEP_FAILED] = True


def pytest_bdd_after_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """Whatever a scenario asserted, the money must still add up afterwards: the ledger for the
    ledger features; the ledger against Stripe's record for the scenarios on the stack.

    Skipped when a step already failed, so the step's own message stays the one reported, and
    for ``@seed-bug`` scenarios, which reproduce money going missing on purpose.
    """
    if request.node.stash.get(_STEP_FAILED, False):
        return
    if "wallet_scenario" in request.fixturenames:
        if request.node.get_closest_marker("seed-bug") is None:
            assert_flow_sound(request.getfixturevalue("wallet_scenario"))
    elif "ledger" in request.fixturenames:
        driver: LedgerDriver = request.getfixturevalue("ledger")
        assert_ledger_sound(driver.conn)
