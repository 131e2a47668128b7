"""The app's login page."""

from __future__ import annotations

from playwright.sync_api import Page, expect


class LoginPage:
    def __init__(self, page: Page, web_url: str) -> None:
        self.page = page
        self.url = f"{web_url}/login"

    def open(self) -> LoginPage:
        self.page.goto(self.url)
        return self

    def log_in(self, email: str, password: str) -> None:
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()
        expect(self.page).not_to_have_url(self.url)
