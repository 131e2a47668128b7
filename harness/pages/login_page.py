"""The app's login page, found where the app profile's ``[screen.login]`` says."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from harness.pages.locators import ScreenElement
from harness.profile.model import Screen


class LoginPage:
    def __init__(
        self, page: Page, web_url: str, screen: Screen, screenshots: Path | None = None
    ) -> None:
        self.page = page
        self.screen = screen
        self.url = f"{web_url}{screen.login.path}"
        self.screenshots = screenshots  # where a mismatch's screenshot goes

    def open(self) -> LoginPage:
        self.page.goto(self.url)
        return self

    def log_in(self, email: str, password: str) -> None:
        """Fill in the form and send it; logged in once the address is no longer the login
        page's."""
        with self.element("email").check() as field:
            field.fill(email)
        with self.element("password").check() as field:
            field.fill(password)
        with self.element("submit").check() as button:
            button.click()
        expect(self.page).not_to_have_url(self.url)

    def element(self, key: str) -> ScreenElement:
        """The element ``screen.login.<key>`` of the profile, on this tab."""
        spec = getattr(self.screen.login, key)
        return ScreenElement(self.page, f"screen.login.{key}", spec, self.screenshots)
