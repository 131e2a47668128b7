"""``locate``: each kind of profile locator, as Playwright finds it; the CSS selector the
message recorder can use; and a locator that matches nothing failing with its profile key and a
screenshot. Real Chromium, a real loopback page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from harness.pages.locators import ScreenElement, ScreenMismatch, css_selector, described, locate
from harness.profile.model import Locator
from tests.harness.pages.tiny_wallet import TinyWallet, tiny_wallet

STATIC = """<!doctype html>
<button>Send it</button> <button>Cancel</button>
<label for="amount">Amount in dollars</label><input id="amount" value="7">
<p>Nothing to see here</p>
<strong data-testid="the-balance">$3.00</strong>
<span class="wallet-note">a note</span>"""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(2_000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def wallet() -> Iterator[TinyWallet]:
    with tiny_wallet() as running:
        yield running


@pytest.mark.parametrize(
    ("locator", "text"),
    [
        (Locator(role="button", name="Send it"), "Send it"),
        (Locator(text="Nothing to see"), "Nothing to see here"),
        (Locator(test_id="the-balance"), "$3.00"),
        (Locator(css="span.wallet-note"), "a note"),
    ],
)
def test_each_kind_finds_its_one_element(page: Page, locator: Locator, text: str) -> None:
    page.set_content(STATIC)
    found = locate(page, locator)
    expect(found).to_have_count(1)
    expect(found).to_have_text(text)


def test_a_label_finds_its_field(page: Page) -> None:
    page.set_content(STATIC)
    field = locate(page, Locator(label="Amount in dollars"))
    expect(field).to_have_value("7")


def test_the_recorder_finds_a_test_id_or_css_element_and_nothing_else(page: Page) -> None:
    page.set_content(STATIC)
    by_test_id = css_selector(Locator(test_id="the-balance"))
    assert by_test_id == '[data-testid="the-balance"]'
    expect(page.locator(str(by_test_id))).to_have_text("$3.00")
    assert css_selector(Locator(css="span.wallet-note")) == "span.wallet-note"
    assert css_selector(Locator(role="status")) is None
    assert css_selector(Locator(label="Amount")) is None
    assert css_selector(Locator(text="Nothing")) is None


def test_a_locator_is_described_as_the_profile_writes_it() -> None:
    assert described(Locator(role="button", name="Top Up")) == 'role="button", name="Top Up"'
    assert described(Locator(test_id="wallet-balance")) == 'test_id="wallet-balance"'


def test_an_expectation_on_nothing_names_the_profile_key_and_keeps_a_screenshot(
    page: Page, wallet: TinyWallet, tmp_path: Path
) -> None:
    page.goto(f"{wallet.url}/wallet/home")
    spec = Locator(test_id="wallet-balance")
    element = ScreenElement(page, "screen.dashboard.balance", spec, tmp_path)

    with pytest.raises(ScreenMismatch) as failure, element.check() as balance:
        expect(balance).to_have_text("$1,012.50", timeout=300)

    message = str(failure.value)
    assert message.startswith(
        f'screen.dashboard.balance (test_id="wallet-balance") matched nothing on'
        f" {wallet.url}/wallet/home; screenshot: "
    ), message
    shots = list(tmp_path.glob("screen-mismatch-screen-dashboard-balance-*.png"))
    assert len(shots) == 1
    assert shots[0].read_bytes().startswith(b"\x89PNG")
    assert str(shots[0].name) in message
    assert "expected to have text '$1,012.50'" in message  # the original failure follows


def test_an_action_that_times_out_on_nothing_names_the_profile_key(
    page: Page, wallet: TinyWallet, tmp_path: Path
) -> None:
    page.goto(f"{wallet.url}/wallet/home")
    spec = Locator(role="button", name="Top Up")
    element = ScreenElement(page, "screen.dashboard.top_up", spec, tmp_path)

    expected = r'^screen\.dashboard\.top_up \(role="button", name="Top Up"\) matched nothing'
    with pytest.raises(ScreenMismatch, match=expected), element.check() as button:
        button.click(timeout=300)
    assert len(list(tmp_path.glob("*.png"))) == 1


def test_a_failure_on_an_element_that_is_there_stays_as_it_was(
    page: Page, wallet: TinyWallet, tmp_path: Path
) -> None:
    page.goto(f"{wallet.url}/wallet/home")
    spec = Locator(label="Wallet balance")
    element = ScreenElement(page, "screen.dashboard.balance", spec, tmp_path)

    with pytest.raises(AssertionError) as failure, element.check() as balance:
        expect(balance).to_have_text("$0.00", timeout=300)

    assert not isinstance(failure.value, ScreenMismatch)
    assert list(tmp_path.iterdir()) == []
