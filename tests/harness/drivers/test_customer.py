"""The customer driver on an app known only through its profile: where Checkout's landing is
(the app's origin with the session id in the address, whatever the path), logging in on a
tiny app whose login form and dashboard are nothing like the reference app's, and the trace it
records of its browser (each action; the page around each action only when asked)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext

from harness.drivers.customer import Customer, prepare_context
from harness.pages.dashboard_page import landing_pattern
from harness.profile.model import Account
from tests.harness.browser.trace_files import trace_kinds
from tests.harness.pages.tiny_wallet import SCREEN, TinyWallet

APP = "http://127.0.0.1:40001"


@pytest.mark.parametrize(
    ("url", "session_id"),
    [
        (f"{APP}/dashboard/wallet?session_id=cs_test_a1B2", "cs_test_a1B2"),
        (f"{APP}/billing/done/cs_test_c3?tab=wallet", "cs_test_c3"),
        (f"{APP}/?ref=x&checkout=cs_live_9", "cs_live_9"),
        (f"{APP}/wallet", None),  # no session: not a landing
        (f"{APP}/docs_cs_test_1", None),  # not an id of its own
        ("http://127.0.0.1:40002/c/pay/cs_test_a1", None),  # the fake's Checkout, not the app
        ("http://127.0.0.1:400011/x?session_id=cs_test_a1", None),  # another port
    ],
)
def test_the_landing_is_the_apps_origin_with_the_session_id(
    url: str, session_id: str | None
) -> None:
    match = landing_pattern(APP).search(url)
    assert (match.group(1) if match else None) == session_id


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    prepare_context(context)
    yield context
    context.close()


def test_logging_in_ends_on_the_profiles_dashboard(
    context: BrowserContext, wallet: TinyWallet
) -> None:
    account = Account(login="jo@example.com", password="s3cret", org_id="org-1")
    customer = Customer(context, wallet.url, "jo@example.com", account, SCREEN)

    dashboard = customer.log_in()  # the tiny app sends a login to "/", not to its dashboard

    assert customer.page.url == f"{wallet.url}/wallet/home"
    assert ("/sign-in", {"who": ["jo@example.com"], "secret": ["s3cret"]}) in wallet.posted
    dashboard.expect_balance(dashboard.money(101250))
    customer.detach()


@pytest.mark.parametrize("snapshots", [False, True])
def test_the_trace_holds_each_action_and_the_page_around_it_only_when_asked(
    context: BrowserContext, wallet: TinyWallet, tmp_path: Path, snapshots: bool
) -> None:
    account = Account(login="jo@example.com", password="s3cret", org_id="org-1")
    customer = Customer(context, wallet.url, "jo@example.com", account, SCREEN)
    customer.trace(snapshots=snapshots)

    customer.log_in()
    context.tracing.stop(path=tmp_path / "trace.zip")
    customer.detach()

    kinds = trace_kinds(tmp_path / "trace.zip")
    assert kinds["before"] >= 3, kinds  # the login page opened, two fields filled, a click
    assert kinds["before"] == kinds["after"], kinds
    assert kinds["log"] > 0, kinds  # what each action waited for
    if snapshots:
        assert kinds["frame-snapshot"] >= kinds["before"], kinds
        assert kinds["network"] >= 2, kinds  # the login page and the form's POST at least
    else:
        assert kinds["frame-snapshot"] == 0, kinds
        assert kinds["network"] == 0, kinds
