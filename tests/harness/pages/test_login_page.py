"""The login page object driven only by a profile's ``[screen.login]``, on a tiny app whose
form is nothing like the reference app's. Real Chromium, a real loopback app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from harness.pages.locators import ScreenMismatch
from harness.pages.login_page import LoginPage
from harness.profile.model import LoginScreen
from tests.harness.pages.tiny_wallet import SCREEN, TinyWallet


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(2_000)
    yield context.new_page()
    context.close()


def test_it_logs_in_through_the_profiles_form(page: Page, wallet: TinyWallet) -> None:
    wallet.posted.clear()

    LoginPage(page, wallet.url, SCREEN).open().log_in("jo@example.com", "s3cret")

    assert page.url == f"{wallet.url}/"
    assert wallet.posted == [("/sign-in", {"who": ["jo@example.com"], "secret": ["s3cret"]})]


def test_a_field_the_form_lacks_is_named_by_its_profile_key(
    page: Page, wallet: TinyWallet, tmp_path: Path
) -> None:
    # the reference app's form: "Email" is a part of "Your email" (found), "Password" is not there
    login = LoginScreen().model_copy(update={"path": "/sign-in"})
    screen = SCREEN.model_copy(update={"login": login})

    with pytest.raises(
        ScreenMismatch, match=r'^screen\.login\.password \(label="Password"\) matched'
    ):
        LoginPage(page, wallet.url, screen, tmp_path).open().log_in("jo@example.com", "s3cret")
    assert len(list(tmp_path.glob("*.png"))) == 1
