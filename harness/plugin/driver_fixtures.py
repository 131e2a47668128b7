"""The drivers a scenario's steps are handed, each on the scenario's stack (or, for ``ledger``,
on a database of its own). Registered by ``harness.plugin.entry``, so any suite that installs
the harness can write steps against them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from harness.drivers.api_faults import ApiFaults
    from harness.drivers.billing import BillingGates
    from harness.drivers.forger import Forger
    from harness.drivers.hosted_checkout import HostedCheckout
    from harness.drivers.ledger import LedgerDriver
    from harness.drivers.ops_view import OpsView
    from harness.drivers.records import Records
    from harness.drivers.stripe_account import StripeAccount
    from harness.drivers.webhook_faults import WebhookFaults
    from harness.drivers.worker import Worker
    from harness.profile.loading import LoadedProfile
    from harness.scenario import Scenario


@pytest.fixture
def ledger(wallet_ledger_db_url: str, wallet_app_profile: LoadedProfile) -> Iterator[LedgerDriver]:
    """The wallet's SQL functions and terminal credit, on a migrated, seeded database."""
    from harness.drivers.ledger import LedgerDriver

    driver = LedgerDriver(wallet_ledger_db_url, wallet_app_profile)
    yield driver
    driver.close()


@pytest.fixture
def records(wallet_scenario: Scenario) -> Records:
    from harness.drivers.records import Records

    return Records(wallet_scenario.stack)


@pytest.fixture
def worker(wallet_scenario: Scenario) -> Worker:
    from harness.drivers.worker import Worker

    return Worker(wallet_scenario.stack)


@pytest.fixture
def forger(wallet_scenario: Scenario) -> Forger:
    """Someone who is not Stripe, posting to the app's webhook URL."""
    from harness.drivers.forger import Forger

    stack = wallet_scenario.stack
    url = stack.web_url + stack.profile.app.stripe.webhook_path
    return Forger(stack.control, stack.stripe, url)


@pytest.fixture
def stripe_account(wallet_scenario: Scenario) -> StripeAccount:
    from harness.drivers.stripe_account import StripeAccount

    return StripeAccount(wallet_scenario.stack.stripe)


# The fixtures below are alike in shape in pairs (hosted_checkout with webhook_faults,
# billing_gates with ops_view): pytest wants one function per fixture, each building its driver.
@pytest.fixture
def hosted_checkout(wallet_scenario: Scenario) -> HostedCheckout:
    from harness.drivers.hosted_checkout import HostedCheckout

    return HostedCheckout(wallet_scenario.stack.control)


@pytest.fixture
def billing_gates(wallet_scenario: Scenario) -> Iterator[BillingGates]:
    from harness.drivers.billing import BillingGates

    stack = wallet_scenario.stack
    base = stack.profile.app.capabilities.billing_api
    if base is None:  # the scenario is not applicable; reaching here is a missing @needs
        raise LookupError("the app profile has no capabilities.billing_api")
    gates = BillingGates(stack.web_url, base, stack.api_token)
    yield gates
    gates.close()


@pytest.fixture
def webhook_faults(wallet_scenario: Scenario) -> WebhookFaults:
    from harness.drivers.webhook_faults import WebhookFaults

    return WebhookFaults(wallet_scenario.stack.control)


@pytest.fixture
def api_faults(wallet_scenario: Scenario) -> ApiFaults:
    """Faults on the app's own requests to Stripe's API."""
    from harness.drivers.api_faults import ApiFaults

    return ApiFaults(wallet_scenario.stack.control)


@pytest.fixture
def ops_view(wallet_scenario: Scenario) -> Iterator[OpsView]:
    from harness.drivers.ops_view import ADMIN, OpsView

    stack = wallet_scenario.stack
    failures = stack.profile.app.capabilities.failures_url
    if failures is None:  # the scenario is not applicable; reaching here is a missing @needs
        raise LookupError("the app profile has no capabilities.failures_url")
    view = OpsView(stack.web_url, stack.account(ADMIN), stack.profile.app.screen, failures)
    yield view
    view.close()
