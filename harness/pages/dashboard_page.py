"""The wallet dashboard: balance, the message after Checkout, the top-up form, and the
transaction list. What the customer sees, found where the app profile's ``[screen.dashboard]``
says (``harness.pages.locators``); amounts written as its ``screen.money`` says."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from weakref import WeakKeyDictionary

from playwright.sync_api import BrowserContext, Locator, Page, expect

from harness.money import format_money, plain_pounds, whole_money
from harness.pages.locators import ScreenElement, ScreenMismatch, css_selector, locate, on_screen
from harness.profile.model import Screen

# what a failed check here is about, when no stage of the flow broke (harness.diagnosis.blame)
FAILURE_STAGE = "screen"

# Every text the message shows, in order, from the first paint: a landing can go from "being
# confirmed" to "added" faster than a test could look, and both are what the customer saw. An
# init script has no Playwright locators, so it finds the message by a CSS selector; each entry
# is "<state>: <text>" when the profile names the state's attribute, else the text.
_RECORD_MESSAGE = """
((selector, stateAttribute) => {
  if (window.__walletBannerHistory) return;
  const seen = [];
  window.__walletBannerHistory = seen;
  const note = () => {
    const banner = document.querySelector(selector);
    if (!banner) return;
    const text = banner.textContent.replace(/\\s+/g, " ").trim();
    const entry = (stateAttribute ? banner.getAttribute(stateAttribute) + ": " : "") + text;
    if (seen[seen.length - 1] !== entry) seen.push(entry);
  };
  new MutationObserver(note).observe(document, {subtree: true, childList: true,
    characterData: true, attributes: true});
  document.addEventListener("DOMContentLoaded", note);
})"""
_RECORDING: WeakKeyDictionary[BrowserContext, str] = WeakKeyDictionary()  # its script, once


@dataclass(frozen=True)
class Rendering:
    """What the dashboard shows a customer at one moment: the balance, the transaction list's
    rows (each row's text, newest first), the message and the error (their visible text, the
    message with its state)."""

    balance: str
    rows: tuple[str, ...]
    message: str
    error: str

    def lines(self) -> list[str]:
        return [
            f"balance: {self.balance or '-'}",
            f"message: {self.message or '-'}",
            f"error: {self.error or '-'}",
            f"rows ({len(self.rows)}): " + (" | ".join(self.rows) or "none"),
        ]


# the first match's text (as Playwright's inner_text) and one attribute, in one call
_TEXT_AND_ATTRIBUTE = "(found, name) => found.map(e => [e.innerText, name && e.getAttribute(name)])"


def shown(locator: Locator, attribute: str | None = None) -> tuple[str, str | None] | None:
    """The text the first element ``locator`` finds shows (whitespace runs made one space) and
    its ``attribute``; None when it finds none or the first is hidden (Playwright's own
    visibility, as ``is_visible``)."""
    found = locator.first.filter(visible=True).evaluate_all(_TEXT_AND_ATTRIBUTE, attribute)
    if not found:
        return None
    text, value = found[0]
    return " ".join(text.split()), value


def shown_text(locator: Locator) -> str:
    """What ``shown`` reads, the text alone: empty when nothing is shown."""
    found = shown(locator)
    return found[0] if found is not None else ""


def landing_pattern(web_url: str) -> re.Pattern[str]:
    """Where Checkout sends the customer back: any address of the app (``web_url``) holding a
    Checkout Session id (``cs_...``), in its path or its query; group 1 is the id. Not tied to
    the dashboard's path: an app may land anywhere."""
    return re.compile(rf"^{re.escape(web_url.rstrip('/'))}[/?][^#]*?(?<!\w)(cs_\w+)")


class DashboardPage:
    def __init__(
        self, page: Page, web_url: str, screen: Screen, screenshots: Path | None = None
    ) -> None:
        self.page = page
        self.screen = screen
        self.web_url = web_url
        self.url = f"{web_url}{screen.dashboard.path}"
        self.screenshots = screenshots  # where a mismatch's screenshot goes

    @staticmethod
    def record_banner(context: BrowserContext, screen: Screen) -> None:
        """Install the message recorder on every document the context's tabs load from now on
        (once per context). Only a message found by ``test_id`` or ``css`` can be recorded: for
        one found by role, label or text nothing is, and ``banner_history`` says what the
        message says now."""
        dashboard = screen.dashboard
        selector = css_selector(dashboard.message)
        if selector is None:
            return
        state = dashboard.message_state
        script = f"{_RECORD_MESSAGE}({json.dumps(selector)}, {json.dumps(state)});"
        if _RECORDING.get(context) != script:
            context.add_init_script(script)
            _RECORDING[context] = script

    def open(self) -> DashboardPage:
        self.page.goto(self.url)
        return self

    def open_with_reference(self, session_id: str) -> DashboardPage:
        """The dashboard for one payment (``?session_id=``, the Checkout Session id as Stripe's
        documented success URL passes it): it checks that top-up and says how it stands."""
        self.page.goto(f"{self.url}?session_id={session_id}")
        return self

    def money(self, pence: int) -> str:
        """An amount as the screen writes it (``screen.money``)."""
        return format_money(pence, self.screen.money)

    # -- reading -------------------------------------------------------------------------------

    def element(self, key: str) -> ScreenElement:
        """The element ``screen.dashboard.<key>`` of the profile, on this tab."""
        spec = getattr(self.screen.dashboard, key)
        return ScreenElement(self.page, f"screen.dashboard.{key}", spec, self.screenshots)

    @property
    def balance(self) -> Locator:
        return locate(self.page, self.screen.dashboard.balance)

    @property
    def rows(self) -> Locator:
        return locate(self.page, self.screen.dashboard.rows)

    @property
    def status(self) -> Locator:
        """The message the customer is told on landing (``screen.dashboard.message``)."""
        return locate(self.page, self.screen.dashboard.message)

    @property
    def error(self) -> Locator:
        return locate(self.page, self.screen.dashboard.error)

    @on_screen("balance")
    def balance_text(self) -> str:
        return self.balance.inner_text().strip()

    def row_texts(self) -> list[str]:
        return [" ".join(text.split()) for text in self.rows.all_inner_texts()]

    def rendering(self) -> Rendering:
        """What the page shows now, read without waiting: one look into the page per element
        (the screen check reads two pages a few times after every scenario)."""
        state_attribute = self.screen.dashboard.message_state
        message = ""
        if (status := shown(self.status, state_attribute)) is not None:
            message, state = status
            if state_attribute is not None:
                message = f"{state}: {message}"
        return Rendering(
            balance=shown_text(self.balance),
            rows=tuple(self.row_texts()),
            message=message,
            error=shown_text(self.error),
        )

    def banner_history(self) -> list[str]:
        """What the message said since the page loaded, each ``"<state>: <text>"`` (or the
        text, when the profile names no ``message_state``). Where the recorder cannot run (a
        message found by role, label or text), what the message says now, if it is there."""
        history = self.page.evaluate("window.__walletBannerHistory")
        if history is not None:
            return [str(entry) for entry in history]
        message = self.status
        if not message.count():
            return []
        text = " ".join((message.first.text_content(timeout=1_000) or "").split())
        attribute = self.screen.dashboard.message_state
        if attribute is None:
            return [text]
        return [f"{message.first.get_attribute(attribute, timeout=1_000)}: {text}"]

    def landed_session(self) -> str | None:
        """The Checkout Session id in the address, when the tab is on the app (the landing
        after Checkout, or the dashboard opened with a reference), else None."""
        match = landing_pattern(self.web_url).search(self.page.url)
        return match.group(1) if match else None

    # -- expecting (auto-waiting) --------------------------------------------------------------

    # each names its element for the failure (on_screen), and keeps the expectation at the
    # method's own level, where a failure's traceback shows it

    @on_screen("balance")
    def expect_balance(self, text: str, timeout_ms: float | None = None) -> None:
        expect(self.balance).to_have_text(text, timeout=timeout_ms)

    @on_screen("rows")
    def expect_row_count(self, count: int, timeout_ms: float | None = None) -> None:
        expect(self.rows).to_have_count(count, timeout=timeout_ms)

    @on_screen("rows")
    def expect_top_row(self, text: str, timeout_ms: float | None = None) -> None:
        expect(self.rows.first).to_contain_text(text, timeout=timeout_ms)

    @on_screen("message")
    def expect_status(self, state: str, timeout_ms: float | None = None) -> None:
        """The message says the top-up is ``state`` (in the ``message_state`` attribute)."""
        attribute = self.screen.dashboard.message_state
        if attribute is None:
            raise ScreenMismatch(
                f"cannot tell whether the top-up is {state!r}: the app profile gives no"
                " screen.dashboard.message_state (the attribute of the message saying how the"
                " top-up stands)"
            )
        expect(self.status).to_have_attribute(attribute, state, timeout=timeout_ms)

    @on_screen("message")
    def expect_status_text(self, text: str, timeout_ms: float | None = None) -> None:
        expect(self.status).to_contain_text(text, timeout=timeout_ms)

    @on_screen("error")
    def expect_error(self, text: str, timeout_ms: float | None = None) -> None:
        expect(self.error).to_be_visible(timeout=timeout_ms)
        expect(self.error).to_contain_text(text, timeout=timeout_ms)

    def expect_no_error(self) -> None:
        expect(self.error).to_be_hidden()

    # -- acting --------------------------------------------------------------------------------

    def choose_amount(self, pence: int) -> None:
        """A preset labelled with the amount (``£50.00``, or ``£50`` for whole pounds) when the
        profile says the app offers presets and one fits, else the pounds typed into the amount
        field (``50.00``)."""
        if self.screen.dashboard.presets:
            short = whole_money(pence, self.screen.money)
            for label in (self.money(pence), *([short] if short else [])):
                preset = self.page.get_by_label(label, exact=True)
                if preset.count():
                    preset.check()
                    return
        with self.element("amount").check() as amount:
            amount.fill(plain_pounds(pence))

    def type_amount(self, typed: str) -> None:
        """``typed`` typed into the amount field exactly as given (``£7.5``, ``1,000``). An empty
        amount is typed and then cleared, as a person who changes their mind does: an app with
        presets then holds its custom choice with nothing in the field."""
        with self.element("amount").check() as amount:
            if not typed:
                amount.fill("0")
            amount.fill(typed)

    @on_screen("top_up")
    def press_top_up(self) -> None:
        locate(self.page, self.screen.dashboard.top_up).click()
