"""The wallet dashboard: balance, the landing banner after Checkout, the top-up form, and the
transaction list. What the customer sees, read through the page's ``data-testid`` contract."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Locator, Page, expect

# Every text the top-up banner shows, in order, from the first paint: a landing can go from
# "being confirmed" to "added" faster than a test could look, and both are what the customer saw.
_RECORD_BANNER = """
(() => {
  const seen = [];
  window.__walletBannerHistory = seen;
  const note = () => {
    const banner = document.querySelector('[data-testid="topup-status"]');
    if (!banner) return;
    const text = banner.textContent.replace(/\\s+/g, " ").trim();
    const entry = banner.getAttribute("data-state") + ": " + text;
    if (seen[seen.length - 1] !== entry) seen.push(entry);
  };
  new MutationObserver(note).observe(document, {subtree: true, childList: true,
    characterData: true, attributes: true});
  document.addEventListener("DOMContentLoaded", note);
})();
"""


class DashboardPage:
    def __init__(self, page: Page, web_url: str) -> None:
        self.page = page
        self.url = f"{web_url}/dashboard/wallet"

    @staticmethod
    def record_banner(browser: BrowserContext) -> None:
        """Install the banner recorder on every document the context's tabs load from now on."""
        browser.add_init_script(_RECORD_BANNER)

    def open(self) -> DashboardPage:
        self.page.goto(self.url)
        return self

    def open_with_reference(self, session_id: str) -> DashboardPage:
        """The dashboard for one payment (``?session_id=``): it checks that top-up and says how
        it stands."""
        self.page.goto(f"{self.url}?session_id={session_id}")
        return self

    # -- reading -------------------------------------------------------------------------------

    # alike in shape, one property per data-testid: the page's contract, named for what it shows

    @property
    def balance(self) -> Locator:
        return self.page.get_by_test_id("wallet-balance")

    @property
    def rows(self) -> Locator:
        return self.page.get_by_test_id("transaction-row")

    @property
    def status(self) -> Locator:
        return self.page.get_by_test_id("topup-status")

    @property
    def error(self) -> Locator:
        return self.page.get_by_test_id("topup-error")

    def balance_text(self) -> str:
        return self.balance.inner_text().strip()

    def row_texts(self) -> list[str]:
        return [" ".join(text.split()) for text in self.rows.all_inner_texts()]

    def banner_history(self) -> list[str]:
        history = self.page.evaluate("window.__walletBannerHistory || []")
        return [str(entry) for entry in history]

    def landed_session(self) -> str | None:
        """The session id the dashboard was opened for (``?session_id=``), if any."""
        if "session_id=" not in self.page.url:
            return None
        return self.page.url.split("session_id=", 1)[1].split("&", 1)[0]

    # -- expecting (auto-waiting) --------------------------------------------------------------

    def expect_balance(self, text: str, timeout_ms: float | None = None) -> None:
        expect(self.balance).to_have_text(text, timeout=timeout_ms)

    def expect_row_count(self, count: int, timeout_ms: float | None = None) -> None:
        expect(self.rows).to_have_count(count, timeout=timeout_ms)

    def expect_top_row(self, text: str, timeout_ms: float | None = None) -> None:
        expect(self.rows.first).to_contain_text(text, timeout=timeout_ms)

    def expect_status(self, state: str, timeout_ms: float | None = None) -> None:
        expect(self.status).to_have_attribute("data-state", state, timeout=timeout_ms)

    def expect_status_text(self, text: str, timeout_ms: float | None = None) -> None:
        expect(self.status).to_contain_text(text, timeout=timeout_ms)

    def expect_error(self, text: str, timeout_ms: float | None = None) -> None:
        expect(self.error).to_be_visible(timeout=timeout_ms)
        expect(self.error).to_contain_text(text, timeout=timeout_ms)

    def expect_no_error(self) -> None:
        expect(self.error).to_be_hidden()

    # -- acting --------------------------------------------------------------------------------

    def choose_amount(self, label: str) -> None:
        """A preset ("£50") when there is one, else "Other amount" with the pounds typed in."""
        preset = self.page.get_by_label(label, exact=True)
        if preset.count():
            preset.check()
        else:
            self.page.get_by_label("Custom amount in pounds").fill(label.lstrip("£"))

    def press_top_up(self) -> None:
        self.page.get_by_role("button", name="Top Up").click()
