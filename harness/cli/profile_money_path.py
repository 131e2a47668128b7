"""The money path of ``wallet-harness profile check``, on the running app: each account logs in
through the login screen in Chromium and its dashboard shows the ledger's balance; the webhook
endpoint is registered at the fake; a top-up started as the app starts one (its
``capabilities.topup_api``, else the dashboard's button) and paid at the fake reaches the
endpoint as a signed ``checkout.session.completed`` answered 2xx; the ledger then holds its
top-up row. Each method returns what it found, or raises ``CheckFailed`` with the fix.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from harness.browser.chromium import BrowserMissing, launch_chromium
from harness.cli.profile_findings import CheckFailed, last_lines, short_id
from harness.drivers.customer import Customer, prepare_context
from harness.drivers.wallet_api import WalletApi
from harness.money import format_money
from harness.pages.locators import ScreenMismatch
from harness.polling import poll_until
from harness.project import shown

if TYPE_CHECKING:
    from harness.profile.model import Account
    from harness.records.ledger import LedgerRow
    from harness.stack.wallet_stack import WalletStack

TOP_UP_PENCE = 5000  # the bug report's £50.00: an amount any wallet offers
COMPLETED = "checkout.session.completed"
CREDIT_WAIT = 20.0  # seconds for the app's worker to credit a paid top-up


class MoneyPath:
    """On ``stack``; the browser is launched at the first login and closed with ``resources``;
    screenshots of what went wrong go to ``screens``."""

    def __init__(self, stack: WalletStack, resources: ExitStack, screens: Path) -> None:
        self.stack = stack
        self.app = stack.profile.app
        self.resources = resources
        self.screens = screens
        self.customers: dict[str, Customer] = {}
        self.session_id: str | None = None  # the paid top-up
        self.payer: tuple[str, Account] | None = None
        self._browser: Browser | None = None
        self._no_browser: CheckFailed | None = None  # why Chromium did not start

    # -- logins and balances -------------------------------------------------------------------

    def log_in(self, email: str, account: Account) -> str:
        context = self.browser().new_context(locale="en-GB", timezone_id="Europe/London")
        self.resources.callback(_quietly, context.close)
        prepare_context(context)
        customer = Customer(
            context, self.stack.web_url, email, account, self.app.screen, self.screens
        )
        self.customers[email] = customer
        login = self.app.screen.login
        try:
            customer.log_in()
        except ScreenMismatch as error:
            lines = str(error).splitlines()
            raise CheckFailed(
                lines[0],
                "point screen.login's locators (path, email, password, submit) at the app's"
                " login form (docs/app-profile.md [screen])",
                lines[1:4],
            ) from None
        except (AssertionError, PlaywrightError) as error:
            said = _alerts(customer) or [f"the page says: {str(error).strip().splitlines()[0]}"]
            shot = self.screenshot(customer, f"login-{email}")
            raise CheckFailed(
                f"after pressing screen.login.submit the tab is at {customer.page.url}, not"
                f" at the dashboard ({self.app.screen.dashboard.path})",
                f"check accounts.{email!r}: login and password must be what the seed"
                f" creates; if the app lands elsewhere after logging in, set"
                f" screen.dashboard.path (screen.login.path is {login.path})",
                [*said, shot],
            ) from None
        return f"logged in, on {customer.page.url.removeprefix(self.stack.web_url)}"

    def balance(self, email: str, account: Account) -> str:
        stack = self.stack
        with stack.connect() as conn:
            try:
                pence = stack.ledger.balance_pence(conn, account.org_id)
            except LookupError:
                seeded = sorted(stack.ledger.balances(conn))
                raise CheckFailed(
                    f"ledger.balances_sql has no organisation {account.org_id}",
                    f"accounts.{email!r}.org_id must be the organisation the seed gives this"
                    " login, as ledger.balances_sql writes its org_id"
                    f" (it has {', '.join(seeded[:4]) or 'none'}"
                    f"{', ...' if len(seeded) > 4 else ''})",
                ) from None
        held = format_money(pence, self.app.screen.money)
        customer = self.customers[email]
        try:
            shows = customer.dashboard.balance_text()
        except ScreenMismatch as error:
            lines = str(error).splitlines()
            raise CheckFailed(
                lines[0],
                "point screen.dashboard.balance at the element that shows the balance",
                lines[1:4],
            ) from None
        if shows != held:
            raise CheckFailed(
                f"the screen shows {shows!r}; the ledger holds {held} for {account.org_id}",
                "if the amounts are the same, set screen.money to how the screen writes one"
                f" (now {self.app.screen.money!r}) and narrow screen.dashboard.balance to the"
                " amount alone; if not, accounts.*.org_id or ledger.balances_sql names another"
                " organisation's wallet than the login's",
                [self.screenshot(customer, f"balance-{email}")],
            )
        return f"the dashboard shows {shows}, the ledger's balance for {account.org_id}"

    # -- the webhook ---------------------------------------------------------------------------

    def endpoint(self) -> str:
        stack = self.stack
        path = self.app.stripe.webhook_path
        url = stack.web_url + path
        endpoints = stack.stripe.v1.webhook_endpoints.list().data
        found = [endpoint for endpoint in endpoints if endpoint.url == url]
        if not found:
            elsewhere = ", ".join(endpoint.url for endpoint in endpoints) or "none"
            raise CheckFailed(
                f"no endpoint at {url} (the fake has: {elsewhere})",
                _no_endpoint_fix(self.app.stripe.registers_endpoint, path, elsewhere),
            )
        events = list(found[0].enabled_events or [])
        if "*" not in events and COMPLETED not in events:
            raise CheckFailed(
                f"the endpoint is not subscribed to {COMPLETED} (only {', '.join(events)})",
                f"subscribe it to {COMPLETED} (the app's registration, or stripe.events)",
            )
        subscribed = COMPLETED if COMPLETED in events else "every event"
        if len(events) > 1:
            subscribed += f" and {len(events) - 1} more"
        if self.app.stripe.registers_endpoint:
            return f"registered by the app, subscribed to {subscribed}"
        if not _names_webhook_secret(self):
            raise CheckFailed(
                "the harness registered it, but no process is given its secret",
                "pass {webhook_secret} to the app, e.g. [env] STRIPE_WEBHOOK_SECRET ="
                ' "{webhook_secret}": the app verifies the signature with it',
            )
        return f"registered by the harness, its secret passed in; subscribed to {subscribed}"

    def pay_top_up(self, email: str, account: Account) -> str:
        """Start a £50.00 top-up as ``email`` the way the app starts one, pay it at the fake,
        and check the fake's signed ``checkout.session.completed`` was answered 2xx."""
        stack = self.stack
        session_id, how = self._start_top_up(email, account)
        paid = stack.control.pay(session_id)
        if paid.status != "succeeded":
            raise CheckFailed(
                f"paying {session_id} at the fake: {paid.status} ({paid.message})",
                "the session must be a payment for an amount in gbp (see the fake's log,"
                f" {shown(stack.logs['fake'])})",
            )
        self.session_id, self.payer = session_id, (email, account)
        stack.control.settle(timeout=30)
        attempts = [
            attempt
            for attempt in stack.control.deliveries(object_id=session_id).attempts
            if attempt.event_type == COMPLETED
        ]
        if not attempts:
            raise CheckFailed(
                f"the fake sent no {COMPLETED} for {session_id}",
                "the app's endpoint must be subscribed to it (see the webhook endpoint check)",
            )
        answered = [attempt for attempt in attempts if attempt.succeeded]
        if not answered:
            codes = [attempt.status_code for attempt in attempts]
            raise CheckFailed(
                f"{how} ({short_id(session_id)}), paid at the fake; its signed {COMPLETED} was"
                f" answered {', '.join(str(code) if code else 'nothing' for code in codes)}",
                _delivery_fix(codes[0], self.app.stripe.webhook_path),
                [
                    *(
                        f"attempt {a.attempt} to {a.endpoint_url}: {a.status_code or ''}"
                        f" {a.error or ''}".rstrip()
                        for a in attempts
                    ),
                    f"the web process's log ({shown(stack.logs['web'])}), last lines:",
                    *last_lines(stack.log_text("web"), 6),
                ],
            )
        first = answered[0]
        return (
            f"{how} ({short_id(session_id)}), paid at the fake; its signed {COMPLETED} was"
            f" answered {first.status_code} in {first.duration_ms or 0:.0f} ms"
        )

    def _start_top_up(self, email: str, account: Account) -> tuple[str, str]:
        api = self.app.capabilities.topup_api
        if api is not None and account.api_token:
            client = WalletApi(self.stack.web_url, account.api_token, api)
            try:
                answer = client.start_top_up(TOP_UP_PENCE)
                session_id = client.session_id(answer)
            finally:
                client.close()
            if session_id is None:
                raise CheckFailed(
                    f"{api.method} {api.path} answered {answer.status_code} with no session id"
                    f" at {api.session_id!r}: {str(answer.body)[:200]}",
                    "capabilities.topup_api.session_id must be where the answer's JSON holds"
                    " the Checkout Session id (a dotted path), and json_body what the app takes",
                )
            return session_id, f"started with {api.method} {api.path}"
        customer = self.customers[email]
        try:
            session_id = customer.start_top_up(TOP_UP_PENCE)
        except (AssertionError, PlaywrightError) as error:
            lines = str(error).splitlines()
            raise CheckFailed(
                f"choosing £50.00 and pressing screen.dashboard.top_up: {lines[0]}",
                "point screen.dashboard.amount (or presets) and top_up at the dashboard's"
                " form; pressing the button must open the hosted Checkout page",
                [*lines[1:3], self.screenshot(customer, f"top-up-{email}")],
            ) from None
        return session_id, f"started on {self.app.screen.dashboard.path}"

    def credited(self) -> str:
        """The ledger holds one top-up row of £50.00 for the paid session, in the payer's
        organisation, once the app's work is done."""
        stack = self.stack
        assert self.session_id is not None
        assert self.payer is not None
        email, account = self.payer

        session_id = self.session_id

        def rows() -> list[LedgerRow]:
            with stack.connect() as conn:
                return stack.ledger.topup_rows(conn, session_id)

        rows_now = poll_until(rows, timeout=CREDIT_WAIT, interval=0.2)
        if not rows_now:
            with stack.connect() as conn:
                latest = stack.ledger.rows(conn, account.org_id)[-3:]
                queue = _queue(stack, conn)
            only_web = list(self.app.processes) == ["web"]
            raise CheckFailed(
                f"no row of ledger.rows_sql has type 'topup' and stripe_checkout_session_id"
                f" {short_id(session_id)} {CREDIT_WAIT:.0f} s after the webhook was answered",
                "if the app credited it, ledger.rows_sql must say 'topup' as type and give"
                " the Checkout Session id as stripe_checkout_session_id (translate with"
                " `case`); if it did not, its logs say why"
                + (
                    "; an app that hands the event to a queue needs its worker in [processes]"
                    if only_web
                    else ""
                ),
                [
                    f"{account.org_id}'s last ledger rows: "
                    + ("; ".join(str(row.movement) for row in latest) or "none"),
                    *queue,
                    *(f"{name} log: {shown(path)}" for name, path in stack.logs.items()),
                ],
            )
        orgs = {row.org_id for row in rows_now}
        if orgs != {account.org_id}:
            raise CheckFailed(
                f"the top-up was credited to {', '.join(sorted(orgs))}, not to {email}'s"
                f" organisation {account.org_id}",
                f"accounts.{email!r}.org_id must be the organisation its login and token belong to",
            )
        pence = sum(row.amount_pence for row in rows_now)
        if len(rows_now) != 1 or pence != TOP_UP_PENCE:
            raise CheckFailed(
                f"{len(rows_now)} topup row(s) of {pence} pence in all for {self.session_id}",
                "ledger.rows_sql must give one row per ledger entry, amount_pence in pence",
            )
        return (
            f"the ledger holds one topup row of £50.00 for {account.org_id}"
            f" ({short_id(session_id)})"
        )

    # -- plumbing ------------------------------------------------------------------------------

    def browser(self) -> Browser:
        if self._no_browser is not None:
            raise self._no_browser
        if self._browser is None:
            playwright = sync_playwright().start()
            self.resources.callback(_quietly, playwright.stop)
            try:
                self._browser = launch_chromium(playwright)
            except (BrowserMissing, PlaywrightError) as error:
                self._no_browser = CheckFailed(
                    f"Chromium did not start: {str(error).splitlines()[0]}",
                    "install Chromium (bash scripts/bootstrap), or set WALLET_CHROMIUM",
                )
                raise self._no_browser from None
            self.resources.callback(_quietly, self._browser.close)
        return self._browser

    def screenshot(self, customer: Customer, what: str) -> str:
        path = self.screens / f"{re.sub(r'[^A-Za-z0-9]+', '-', what).strip('-')}.png"
        try:
            self.screens.mkdir(parents=True, exist_ok=True)
            customer.page.screenshot(path=path, timeout=5_000)
        except (OSError, PlaywrightError) as error:
            return f"no screenshot ({type(error).__name__})"
        return f"screenshot: {shown(path)}"


def _queue(stack: WalletStack, conn: Any) -> list[str]:
    """How the app's queue stands, where the profile says how to ask (``queue_probe``)."""
    if stack.profile.app.capabilities.queue_probe is None:
        return []
    try:
        waiting, failed = stack.records.queue_counts(conn)
    except Exception as error:  # evidence only: a probe that fails is checked on its own
        return [f"the queue probe failed: {error}"]
    return [f"the queue: {waiting} waiting, {failed} failed"]


def _quietly(close: Callable[[], None]) -> None:
    """Close a browser part; after a Ctrl-C its driver may be gone already, which is fine."""
    with contextlib.suppress(PlaywrightError):
        close()


def _alerts(customer: Customer) -> list[str]:
    """What the page's alerts say (a login form's "wrong password"), as evidence."""
    try:
        texts = customer.page.get_by_role("alert").all_inner_texts()
    except PlaywrightError:
        return []
    return [f"the page says: {' '.join(text.split())}" for text in texts if text.strip()][:3]


def _no_endpoint_fix(registers: bool, path: str, elsewhere: str) -> str:
    if not registers:
        return "the harness could not register it: see the fake's log"
    if elsewhere != "none":
        return (
            f"the app registered another URL: set stripe.webhook_path to its path (now {path}),"
            " and give the app its public URL ({public_url})"
        )
    return (
        "the app must create its endpoint at start-up through Stripe's API at"
        " {stripe_api_base} with {stripe_secret_key} (pass both in its env); if it does not,"
        " set stripe.registers_endpoint = false and give it {webhook_secret}"
    )


def _delivery_fix(status: int | None, path: str) -> str:
    if status is None:
        return f"nothing answered at {path} in time: is the web process serving it?"
    if status in (404, 405):
        return f"nothing takes a POST at {path}: set stripe.webhook_path to the app's route"
    if 300 <= status < 400:
        return f"the app redirects the POST at {path} (a trailing slash? a login?): serve it as is"
    if status in (400, 401, 403):
        return (
            "the app refused it, most likely the signature: it must verify the raw body with"
            " the endpoint's secret (the one it registered, or {webhook_secret}); a CSRF check"
            " must exempt the webhook path"
        )
    return "the app failed while handling it: its log (above) says why"


def _names_webhook_secret(path: MoneyPath) -> bool:
    app = path.app
    texts = [*app.env.values()]
    for process in app.processes.values():
        texts += [*process.env.values(), *process.command]
    return any("{webhook_secret}" in text for text in texts)
