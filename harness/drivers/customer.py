"""A customer in a browser: logs in, tops up through the hosted Checkout, lands back on the
dashboard (or closes the tab first), and comes back later."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, Route, expect

from harness.browser.contexts import blank_tab
from harness.pages.checkout_page import CheckoutPage, PayAction
from harness.pages.dashboard_page import DashboardPage, landing_pattern
from harness.pages.login_page import LoginPage
from harness.profile.model import Account, Screen

LAND, CLOSE_TAB, STAY = "land", "close the tab", "stay on Checkout"  # after paying
ACTION_TIMEOUT_MS = 10_000  # a click or fill that cannot happen in 10 s will not happen
# (app URL, email) -> the cookies a real login through the form earned on that app
_SAVED_LOGINS: dict[tuple[str, str], list[Any]] = {}  # Playwright's cookie dicts
CHECKOUT_FORM = re.compile(r"/c/pay/cs_\w+(?:/authenticate)?$")  # the form, the 3-D Secure answer


def prepare_context(context: BrowserContext) -> None:
    """What every customer's browser needs, once per context: the action time limit. (The
    message recorder depends on the app's screen: each ``Customer`` installs it.)"""
    context.set_default_timeout(ACTION_TIMEOUT_MS)


class Customer:
    """One person in a browser context, on the app at ``web_url`` whose screen is ``screen``
    (the app profile's ``[screen]``). A screenshot of
    an element the profile names but the page lacks goes to ``screenshots`` (next to the
    stack's logs; None: ``artifacts/screens/``)."""

    def __init__(
        self,
        context: BrowserContext,
        web_url: str,
        email: str,
        account: Account,
        screen: Screen,
        screenshots: Path | None = None,
    ) -> None:
        self.context = context
        self.web_url = web_url
        self.name = email  # as the features name the customer
        self.account = account  # the app's own login for them
        self.screen = screen
        self.screenshots = screenshots
        # where Checkout sends the customer back: the app's origin with the session id in it
        self.landing = landing_pattern(web_url)
        DashboardPage.record_banner(context, self.screen)
        self._listening: list[tuple[Page, Any]] = []  # (tab, its navigation listener)
        self._routes: list[tuple[str, Any]] = []  # (URL glob, handler) routed on the context
        self.page = self._new_tab()
        self.session_ids: list[str] = []  # every Checkout Session this customer opened
        self.landing_loads: list[str] = []  # each time a tab loaded the landing page
        self.checkout_amounts: dict[str, str] = {}  # session id -> the total its page showed
        self.traced = False  # whether the harness records a trace of this context

    def trace(self, *, snapshots: bool = False) -> None:
        """Record a Playwright trace of this browser, kept if the scenario fails: each action,
        its log and the console; with ``snapshots``, also the page before and after each
        action and the network. Never a screencast (a third of a scenario's time)."""
        self.context.tracing.start(snapshots=snapshots)
        self.traced = True

    @property
    def email(self) -> str:
        return self.name

    @property
    def dashboard(self) -> DashboardPage:
        return DashboardPage(self.page, self.web_url, self.screen, self.screenshots)

    @property
    def checkout(self) -> CheckoutPage:
        return CheckoutPage(self.page)

    def log_in(self) -> DashboardPage:
        """Logged in on the dashboard. The first time for this login on this app, through the
        login form; after that with the session cookie that login earned (Playwright's usual
        reuse of an authenticated state), which saves the password hashing every scenario."""
        saved = _SAVED_LOGINS.get((self.web_url, self.email))
        if saved:
            self.context.add_cookies(saved)
            self.dashboard.open()
            if self.page.url.startswith(self.dashboard.url):
                return self.dashboard
        login = LoginPage(self.page, self.web_url, self.screen, self.screenshots)
        login.open().log_in(self.account.login, self.account.password)
        if not self.page.url.startswith(self.dashboard.url):  # the app went elsewhere first
            self.dashboard.open()
        expect(self.page).to_have_url(re.compile(f"^{re.escape(self.dashboard.url)}"))
        _SAVED_LOGINS[(self.web_url, self.email)] = list(self.context.cookies(self.web_url))
        return self.dashboard

    def start_top_up(self, pence: int) -> str:
        """Choose the amount on the dashboard and press the top-up button; return the Checkout
        Session id once the hosted page shows it. A customer whose tab was closed (after
        paying, or leaving Checkout) starts in a new one, as a person would."""
        self.press_top_up(pence)
        session_id = self.checkout.wait_until_open()
        self.session_ids.append(session_id)
        return session_id

    def press_top_up(self, pence: int) -> None:
        """Choose the amount on the dashboard and press the top-up button; what follows
        (Checkout, or the app's error on the dashboard) is for the caller to see."""
        if self.page.is_closed():
            self.page = self._new_tab()
        if not self.page.url.startswith(self.dashboard.url):
            self.dashboard.open()
        self.dashboard.choose_amount(pence)
        self.dashboard.press_top_up()

    def top_up(self, pence: int, pay: PayAction, *, then: str = LAND) -> str:
        """Top up on the dashboard, pay on the hosted Checkout page, and then ``LAND`` (wait
        to be sent back to the dashboard), ``CLOSE_TAB`` (the landing page never loads) or
        ``STAY`` (a refused payment keeps the customer on Checkout). Returns the session id."""
        session_id = self.start_top_up(pence)
        if then == CLOSE_TAB:
            self.pay_then_close_tab(pay)
        else:
            pay(self.checkout)
            if then == LAND:
                self.land()
        return session_id

    def type_top_up(self, typed: str, pay: PayAction) -> str:
        """Type ``typed`` into the dashboard's amount field exactly as given (``£7.5``,
        ``1,000``), press the top-up button, note the total the hosted Checkout page shows,
        pay, and land back on the dashboard. Returns the session id."""
        self.type_amount_and_press(typed)
        session_id = self.checkout.wait_until_open()
        self.session_ids.append(session_id)
        self.checkout_amounts[session_id] = self.checkout.amount.strip()
        pay(self.checkout)
        self.land()
        return session_id

    def pay_at_checkout(self, checkout_url: str, pay: PayAction) -> str:
        """Open a Checkout Session started elsewhere (the app's API) at ``checkout_url``, note
        the total its page shows, pay, and land back on the app. Returns the session id."""
        if self.page.is_closed():
            self.page = self._new_tab()
        self.page.goto(checkout_url)
        session_id = self.checkout.wait_until_open()
        self.session_ids.append(session_id)
        self.checkout_amounts[session_id] = self.checkout.amount.strip()
        self.checkout.give_email(self.email)
        pay(self.checkout)
        self.land()
        return session_id

    def type_amount_and_press(self, typed: str) -> None:
        """On the dashboard, type ``typed`` as the amount and press the top-up button; what
        follows (Checkout, or the app's refusal on the dashboard) is for the caller to see."""
        if self.page.is_closed():
            self.page = self._new_tab()
        if not self.page.url.startswith(self.dashboard.url):
            self.dashboard.open()
        self.dashboard.type_amount(typed)
        self.dashboard.press_top_up()

    def land(self) -> str:
        """Wait until Checkout sends the tab back to the app (an address of the app holding
        the session id); return the session id."""
        expect(self.page).to_have_url(self.landing)
        match = self.landing.search(self.page.url)
        assert match is not None
        return match.group(1)

    def pay_then_close_tab(self, pay: PayAction) -> None:
        """Pay, and close the tab as Checkout sends it back to the app: the payment is taken,
        the landing page never loads, so its check never runs.

        The payment form's POST goes to the fake as usual; its redirect to the app is not
        followed (a route handler sees no redirects, so the harness makes the request itself)."""
        sent_back_to: list[str] = []

        def submit(route: Route) -> None:
            if route.request.method != "POST":
                route.continue_()
                return
            response = route.fetch(max_redirects=0)
            location = response.headers.get("location", "")
            if self.landing.search(location):
                sent_back_to.append(location)
                route.abort("aborted")
            else:  # a 3-D Secure challenge or an error: the customer is still paying
                route.fulfill(response=response)

        self.page.route(CHECKOUT_FORM, submit)
        with self.page.expect_event(
            "requestfailed", predicate=lambda request: request.method == "POST"
        ):
            pay(self.checkout)
        assert sent_back_to, "Checkout did not send the customer back to the app"
        self._close_tab()

    def come_back_later(self) -> DashboardPage:
        """A new tab on the dashboard, without any session reference."""
        self.page = self._new_tab()
        return self.dashboard.open()

    def come_back_with_reference(self, session_id: str) -> DashboardPage:
        """A new tab on the dashboard for one payment's reference (the Checkout Session id), as
        the landing after Checkout opens it: the page checks that payment and says how it
        stands."""
        self.page = self._new_tab()
        return self.dashboard.open_with_reference(session_id)

    def leave_checkout(self) -> None:
        """Close the tab on the hosted Checkout page without paying."""
        self.checkout.expect_still_open()
        self._close_tab()

    def blip(self, url_glob: str, status: int, times: int) -> None:
        """The next ``times`` requests this customer's browser makes to ``url_glob`` are
        answered ``status`` before they reach the app (a proxy or a load balancer having a
        moment); the ones after go through."""
        left = [times]

        def answer(route: Route) -> None:
            if left[0] > 0:
                left[0] -= 1
                route.fulfill(status=status, content_type="text/plain", body="upstream unavailable")
            else:
                route.continue_()

        self.context.route(url_glob, answer)
        self._routes.append((url_glob, answer))

    def detach(self) -> None:
        """Stop listening to this customer's tabs and end its blips (their context may serve
        another scenario)."""
        for page, listener in self._listening:
            page.remove_listener("framenavigated", listener)
        self._listening.clear()
        for url_glob, handler in self._routes:
            self.context.unroute(url_glob, handler)
        self._routes.clear()

    def _new_tab(self) -> Page:
        """A blank tab the browser already has open, else a new one."""
        page = blank_tab(self.context) or self.context.new_page()

        def listener(frame: Any) -> None:
            self._note_load(page, frame.url)

        page.on("framenavigated", listener)
        self._listening.append((page, listener))
        return page

    def _close_tab(self) -> None:
        """Close the current tab; the window keeps a blank one, as a browser does, so the next
        tab needs no new renderer process (a third of a second on two cores)."""
        self.context.new_page()
        self.page.close()

    def _note_load(self, page: Page, url: str) -> None:
        if page.main_frame.url == url and self.landing.search(url):
            self.landing_loads.append(url)
