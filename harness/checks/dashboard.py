"""What the customer saw on the dashboard over time, beyond what one page-object expectation
shows: how often the landing page loaded, and what the status banner said one after another."""

from __future__ import annotations

from harness.money import format_money
from harness.scenario import Scenario

# what a failed check here is about, when no stage of the flow broke (harness.diagnosis.blame)
FAILURE_STAGE = "screen"


def landing_loaded_once(scenario: Scenario) -> None:
    """The current customer's landing page loaded once: the dashboard updated in place."""
    loads = scenario.current_customer.landing_loads
    if len(loads) != 1:
        raise AssertionError(f"the landing page loaded {len(loads)} times: {loads}")


def banner_went_pending_then_credited(scenario: Scenario, amount: int) -> None:
    """The banner said the payment was being confirmed, then (once it says credited) that
    ``amount`` pence was added, and nothing else in between."""
    dashboard = scenario.current_customer.dashboard
    scenario.expect_settled(lambda ms: dashboard.expect_status("credited", ms))
    history = dashboard.banner_history()
    states = [entry.split(":", 1)[0] for entry in history]
    if states != ["pending", "credited"]:
        raise AssertionError(f"the banner went {history}")
    if "is being confirmed" not in history[0]:
        raise AssertionError(f"the banner first said {history[0]!r}")
    added = f"{format_money(amount)} has been added to your wallet."
    if added not in history[-1]:
        raise AssertionError(f"the banner last said {history[-1]!r}")
