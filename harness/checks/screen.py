"""The screen's consistency, checked after every scenario on the stack: a dashboard that
updated itself after the redirect (the live page) must show what the same address shows when
loaded afresh (a reload), and the reverse: balance, transaction list, message and error.

A scenario looks at one or the other; a bug that shows the right thing in one and the wrong
thing in the other (a script that renders a new row its own way, a balance updated from the
wrong field) passes every step, so the harness compares both once the stack is quiet. The live
page may still be polling: the two get ``AGREE_WITHIN`` seconds to agree.
"""

from __future__ import annotations

from harness.drivers.customer import Customer
from harness.pages.dashboard_page import DashboardPage, Rendering
from harness.polling import poll_until
from harness.scenario import Scenario

# what a failed check here is about, when no stage of the flow broke (harness.diagnosis.blame)
FAILURE_STAGE = "screen"
AGREE_WITHIN = 5.0  # seconds: a live page polls every half second


class ScreenDisagrees(AssertionError):
    """The live page and a reload of it show different things."""


def live_pages_agree_with_reload(scenario: Scenario) -> None:
    scenario.wait_until_quiet()
    for customer in scenario.customers.values():
        if _live(customer):
            _compare(customer)


def _live(customer: Customer) -> bool:
    """A tab still open on a dashboard that landed for a payment (the page that updates itself
    after Checkout); a dashboard opened without one shows what it loaded, as designed."""
    page = customer.page
    return (
        not page.is_closed()
        and page.url.startswith(customer.dashboard.url)
        and customer.dashboard.landed_session() is not None
    )


def _compare(customer: Customer) -> None:
    live = customer.dashboard
    tab = customer.context.new_page()
    try:
        reload = DashboardPage(tab, customer.web_url, customer.screen, customer.screenshots)
        tab.goto(customer.page.url)
        views: list[tuple[Rendering, Rendering]] = []

        def agree() -> bool:
            views.append((live.rendering(), reload.rendering()))
            return views[-1][0] == views[-1][1]

        if poll_until(agree, timeout=AGREE_WITHIN, interval=0.25):
            return
    finally:
        tab.close()
    shown, fresh = views[-1]
    raise ScreenDisagrees(_message(customer, shown, fresh))


def _message(customer: Customer, shown: Rendering, fresh: Rendering) -> str:
    """First line: the first difference; then both renderings, in full."""
    live_lines, reload_lines = shown.lines(), fresh.lines()
    first = next(
        f"live page {a!r}, reload {b!r}"
        for a, b in zip(live_lines, reload_lines, strict=True)
        if a != b
    )
    return "\n".join(
        [
            f"{customer.email}'s dashboard disagrees with a reload of it: {first}",
            f"  the page: {customer.page.url}",
            *(f"  live page {line}" for line in live_lines),
            *(f"  reload    {line}" for line in reload_lines),
        ]
    )
