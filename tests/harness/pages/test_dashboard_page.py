"""The dashboard page object driven only by a profile's ``[screen]``: on a tiny app whose
markup is nothing like the reference app's (role and label locators, dollars), it reads the
balance, the rows and the message, chooses an amount and presses the top-up button. Real
Chromium, a real loopback app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext

from harness.pages.dashboard_page import DashboardPage, Rendering
from harness.pages.locators import ScreenMismatch
from harness.profile.model import DashboardScreen, Locator, Screen
from tests.harness.pages.tiny_wallet import SCREEN, TinyWallet


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    context.set_default_timeout(3_000)
    yield context
    context.close()


def dashboard(
    context: BrowserContext, wallet: TinyWallet, screen: Screen = SCREEN, shots: Path | None = None
) -> DashboardPage:
    page = context.pages[0] if context.pages else context.new_page()
    return DashboardPage(page, wallet.url, screen, shots).open()


def test_it_opens_the_profiles_path_and_writes_money_the_profiles_way(
    context: BrowserContext, wallet: TinyWallet
) -> None:
    page = dashboard(context, wallet)
    assert page.page.url == f"{wallet.url}/wallet/home"
    assert page.money(101250) == "$1,012.50"
    assert page.money(-4) == "-$0.04"


def test_it_reads_the_balance_the_rows_and_the_message(
    context: BrowserContext, wallet: TinyWallet
) -> None:
    page = dashboard(context, wallet)

    assert page.balance_text() == "$1,012.50"
    page.expect_balance(page.money(101250))
    assert page.row_texts() == ["Top-up +$12.50", "Top-up +$1,000.00"]
    page.expect_row_count(2)
    page.expect_top_row(f"Top-up +{page.money(1250)}")
    page.expect_status("credited")
    page.expect_status_text("$12.50 has been added")
    page.expect_no_error()
    # a message found by role cannot be recorded: the history is what it says now
    assert page.banner_history() == ["credited: $12.50 has been added"]


def test_a_rendering_is_what_shows_now(context: BrowserContext, wallet: TinyWallet) -> None:
    page = dashboard(context, wallet)
    page.expect_status("credited")

    assert page.rendering() == Rendering(
        balance="$1,012.50",
        rows=("Top-up +$12.50", "Top-up +$1,000.00"),
        message="credited: $12.50 has been added",
        error="",
    )


def test_a_rendering_leaves_out_what_is_hidden_or_not_there(
    context: BrowserContext, wallet: TinyWallet
) -> None:
    dashboard_screen = SCREEN.dashboard.model_copy(
        update={
            "balance": Locator(test_id="no-such-balance"),
            "message": Locator(css="[role=status]"),
            "message_state": None,
            "error": Locator(css="title"),  # it has text, and is never shown
        }
    )
    page = dashboard(context, wallet, SCREEN.model_copy(update={"dashboard": dashboard_screen}))
    page.expect_status_text("has been added")

    shown = page.rendering()

    assert (shown.balance, shown.message, shown.error) == ("", "$12.50 has been added", "")


def test_a_typed_amount_and_the_top_up_button_send_the_form(
    context: BrowserContext, wallet: TinyWallet
) -> None:
    page = dashboard(context, wallet)
    wallet.posted.clear()

    page.choose_amount(1250)  # no preset "$12.50": typed
    page.press_top_up()

    page.page.wait_for_url(f"{wallet.url}/wallet/home")
    assert wallet.posted == [("/wallet/add", {"amt": ["12.50"]})]


def test_a_preset_is_chosen_by_its_label_where_one_fits(
    context: BrowserContext, wallet: TinyWallet
) -> None:
    page = dashboard(context, wallet)
    wallet.posted.clear()

    page.choose_amount(2500)
    page.press_top_up()

    page.page.wait_for_url(f"{wallet.url}/wallet/home")
    assert wallet.posted == [("/wallet/add", {"preset": ["2500"]})]


def test_a_preset_labelled_in_whole_pounds_fits_a_whole_amount(
    context: BrowserContext, wallet: TinyWallet
) -> None:
    page = dashboard(context, wallet)
    wallet.posted.clear()

    page.choose_amount(10000)  # labelled "$100", not "$100.00"
    page.press_top_up()

    page.page.wait_for_url(f"{wallet.url}/wallet/home")
    assert wallet.posted == [("/wallet/add", {"preset": ["10000"]})]


def test_the_recorder_keeps_every_state_of_a_message_found_by_css(
    context: BrowserContext, wallet: TinyWallet
) -> None:
    dashboard_screen = SCREEN.dashboard.model_copy(update={"message": Locator(css="[role=status]")})
    screen = SCREEN.model_copy(update={"dashboard": dashboard_screen})
    DashboardPage.record_banner(context, screen)
    DashboardPage.record_banner(context, screen)  # once per context, however often asked

    page = dashboard(context, wallet, screen)
    page.expect_status("credited")

    assert page.banner_history() == [
        "pending: Hold on, checking",
        "credited: $12.50 has been added",
    ]


def test_without_message_state_the_state_cannot_be_checked(
    context: BrowserContext, wallet: TinyWallet
) -> None:
    dashboard_screen = SCREEN.dashboard.model_copy(update={"message_state": None})
    screen = SCREEN.model_copy(update={"dashboard": dashboard_screen})
    page = dashboard(context, wallet, screen)

    with pytest.raises(ScreenMismatch, match=r"gives no screen\.dashboard\.message_state"):
        page.expect_status("credited")
    page.expect_status_text("has been added")
    assert page.banner_history() == ["$12.50 has been added"]


def test_the_reference_apps_markup_is_not_there_and_the_failure_says_which_key(
    context: BrowserContext, wallet: TinyWallet, tmp_path: Path
) -> None:
    reference_markup = DashboardScreen(
        path="/wallet/home",
        balance=Locator(test_id="wallet-balance"),
        rows=Locator(test_id="transaction-row"),
        message=Locator(test_id="topup-status"),
        error=Locator(test_id="topup-error"),
    )
    page = dashboard(context, wallet, Screen(dashboard=reference_markup), tmp_path)

    with pytest.raises(ScreenMismatch) as failure:
        page.expect_balance("$1,012.50", timeout_ms=300)

    assert str(failure.value).startswith(
        'screen.dashboard.balance (test_id="wallet-balance") matched nothing on'
        f" {wallet.url}/wallet/home; screenshot: "
    )
    assert len(list(tmp_path.glob("screen-mismatch-screen-dashboard-balance-*.png"))) == 1
