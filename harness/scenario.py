"""One scenario's world: the stack it runs on, its customers (each a browser context), the
top-ups it started, and the waits that make "then" steps honest.

The diagnosis reads the top-ups from here; steps reach drivers through it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

import psycopg

from harness.browser.contexts import ContextSource
from harness.drivers.customer import Customer
from harness.drivers.wallet_api import WalletApi
from harness.polling import poll_until
from harness.stack.services import ServiceFailed, log_tail
from harness.stack.wallet_stack import WalletStack

log = logging.getLogger(__name__)
T = TypeVar("T")

QUIET_TIMEOUT = 30.0  # real seconds for the worker to finish what is queued
FIRST_LOOK_MS = 1_000  # an expectation on the screen, before the stack is asked if it is done
SCREEN_QUIET_TIMEOUT = 5.0  # seconds: Playwright's own expect timeout, the longest it waited


# what the harness's own trace of each browser records (harness.plugin.fixtures.harness_trace)
BrowserTrace = Literal["off", "actions", "snapshots"]


class StackNotQuiet(AssertionError):
    """Work was still queued when the scenario wanted to look at the result."""


class Scenario:
    def __init__(self, stack: WalletStack, contexts: ContextSource | None) -> None:
        self.stack = stack
        self._contexts = contexts
        self.customers: dict[str, Customer] = {}
        self.browser_trace: BrowserTrace = "off"  # the harness's own, kept for a failure
        self.screenshot_failures = False  # the harness's own screenshots of a failure's tabs
        self._current: Customer | None = None
        self._apis: dict[str, WalletApi] = {}
        self._api_sessions: list[str] = []
        self.notes: dict[str, Any] = {}  # values steps hand on to later steps
        # where each process's log stood when the scenario began (ids repeat after a reset)
        self.log_offsets = {
            name: path.stat().st_size if path.exists() else 0 for name, path in stack.logs.items()
        }
        # how the queue stood when the scenario began, where only its counts can be seen
        self.queue_at_start = self._queue_counts() if not stack.records.has("jobs_sql") else None

    # -- actors --------------------------------------------------------------------------------

    def customer(self, email: str) -> Customer:
        """The customer ``email`` in a browser of their own (a fresh context, logged out)."""
        if email not in self.customers:
            self.customers[email] = self._new_customer(email)
        self._current = self.customers[email]
        return self._current

    @property
    def current_customer(self) -> Customer:
        """The customer the scenario last spoke of ("the dashboard shows ...")."""
        assert self._current is not None, "no customer has opened a browser in this scenario"
        return self._current

    def second_browser(self, email: str) -> Customer:
        """The same customer in another browser window (another context), e.g. to race."""
        key = f"{email}#2"
        if key not in self.customers:
            self.customers[key] = self._new_customer(email)
        self._current = self.customers[key]
        return self._current

    def api(self, email: str) -> WalletApi:
        if email not in self._apis:
            self._apis[email] = WalletApi(
                self.stack.web_url,
                self.stack.api_token(email),
                self.stack.profile.app.capabilities.topup_api,
            )
        return self._apis[email]

    def blip_status_checks(self, status: int, times: int = 1) -> None:
        """The current customer's next ``times`` checks of a payment (the profile's
        ``capabilities.topup_api.status_path``, which the dashboard polls) are answered
        ``status`` on the way."""
        topup_api = self.stack.profile.app.capabilities.topup_api
        status_path = topup_api.status_path if topup_api is not None else None
        if not status_path:
            raise ValueError("the profile has no capabilities.topup_api.status_path")
        path = status_path.replace("{session_id}", "*")
        self.current_customer.blip(f"{self.stack.web_url}{path}", status, times)

    def note_api_session(self, session_id: str) -> None:
        self._api_sessions.append(session_id)

    def start_api_top_up(self, email: str, pence: int) -> str:
        """Start a top-up through the app's API with ``email``'s token, as a script would; it
        becomes the scenario's latest payment."""
        api = self.api(email)
        answer = api.start_top_up(pence)
        session_id = api.session_id(answer)
        assert answer.status_code in (200, 201), f"the API refused the top-up: {answer}"
        assert session_id, f"no Checkout Session id where the profile says it is: {answer}"
        self.note_api_session(session_id)
        return session_id

    # -- what happened -------------------------------------------------------------------------

    @property
    def session_ids(self) -> list[str]:
        """Every Checkout Session the scenario started, in order, without repeats."""
        seen: list[str] = []
        for customer in self.customers.values():
            seen += [s for s in customer.session_ids if s not in seen]
        return seen + [s for s in self._api_sessions if s not in seen]

    @property
    def latest_session(self) -> str:
        sessions = self.session_ids
        assert sessions, "no top-up was started in this scenario"
        return sessions[-1]

    # -- waiting for the other processes -------------------------------------------------------

    def expect_settled(self, expectation: Callable[[float], None]) -> None:
        """Run a Playwright ``expectation`` (called with its timeout in ms), decided as soon as
        the outcome is final rather than at Playwright's 5 s: a first look of
        ``FIRST_LOOK_MS``; then, once the stack is quiet (every delivery due answered and the
        queue empty, waited for at most ``SCREEN_QUIET_TIMEOUT``), the dashboard's
        ``updates_within_ms`` more. A screen the app is still working towards waits for the
        work; one that shows the wrong thing fails within about two seconds, with Playwright's
        own message. A stack that broke meanwhile is left to the expectation to show."""
        try:
            expectation(FIRST_LOOK_MS)
        except AssertionError:
            pass
        else:
            return
        with contextlib.suppress(StackNotQuiet, ServiceFailed):
            self.wait_until_quiet(SCREEN_QUIET_TIMEOUT)
        expectation(self.stack.profile.app.screen.dashboard.updates_within_ms)

    def wait_until_quiet(
        self, timeout: float = QUIET_TIMEOUT, still_for: float | None = None
    ) -> None:
        """Every delivery due now answered, and (when a worker is beating) the queue empty.
        Held, delayed and future retries stay where they are: they wait for the clock.
        ``still_for``: a queue whose count of unfinished jobs has not changed for this long is
        stuck at once (``StackNotQuiet``), rather than at ``timeout``; for a bound the app
        declares (the profile's ``[simulation] stuck_after_seconds``), where a healthy queue
        that moves may take longer to drain than that.

        A process of the stack that dies meanwhile ends the wait at once with ``ServiceDied``
        naming it (a queue nobody empties would otherwise look like a slow worker), and a
        database gone with ``DatabaseUnreachable``; one stopped on purpose is not waited for."""
        stack = self.stack
        with stack.watched():
            stack.check_alive()
            stack.control.settle(timeout=timeout)
            records = stack.records
            if stack.profile.app.capabilities.worker is None or not records.has("queue_probe"):
                return  # no queue the harness can see: the deliveries answered is all it waits for
            if not (stack.worker.running and stack.worker_beating):
                return  # nobody would empty the queue: what is in it is evidence

            stillness = Stillness(still_for)
            with PolledConnection(stack) as polled:

                def empty_or_stuck() -> bool:
                    stack.check_alive()
                    stillness.note(polled.run(records.unfinished_jobs))
                    return stillness.last == 0 or stillness.stuck

                poll_until(empty_or_stuck, timeout=timeout)
            if stillness.last != 0:
                heading = (
                    f"the worker's queue did not move for {still_for:.0f} s"
                    if stillness.stuck
                    else f"the worker still had queued jobs after {timeout:.0f} s"
                )
                raise StackNotQuiet(
                    f"{heading}{self._stuck_jobs()}"
                    f"\nthe worker's log, its last lines:\n{log_tail(stack.worker.log, 25)}"
                )
            stack.control.settle(timeout=timeout)  # anything the jobs caused

    def _stuck_jobs(self) -> str:
        """The jobs by status where the profile shows them (": doing 2, todo 1"), as evidence
        of what the worker left; empty where it cannot tell."""
        if not self.stack.records.has("jobs_sql"):
            return ""
        try:
            with self.stack.connect() as conn:
                jobs = self.stack.records.status_counts(conn).get("jobs", {})
        except Exception as error:  # evidence only: say what could not be read
            return f" (the jobs could not be read: {error})"
        return ": " + ", ".join(f"{status} {n}" for status, n in sorted(jobs.items()))

    def _queue_counts(self) -> tuple[int, int] | None:
        """(waiting, failed) as the profile's queue probe tells them; None: it cannot."""
        if not self.stack.records.has("queue_probe"):
            return None
        try:
            with self.stack.connect() as conn:
                return self.stack.records.queue_counts(conn)
        except Exception as error:  # evidence only: the diagnosis says what it could not read
            log.warning("the queue probe failed at the scenario's start: %s", error)
            return None

    def _new_customer(self, email: str) -> Customer:
        if self._contexts is None:
            raise RuntimeError("this scenario has no browser")
        account = self.stack.account(email)
        customer = Customer(
            self._contexts.take(),
            self.stack.web_url,
            email,
            account,
            self.stack.profile.app.screen,
        )
        if self.browser_trace != "off":
            customer.trace(snapshots=self.browser_trace == "snapshots")
        return customer

    def save_browser_traces(self, folder: Path) -> list[str]:
        """Each customer's Playwright trace (``python -m playwright show-trace FILE``); a note
        for each that could not be saved. Only for contexts the harness itself traces."""
        problems = []
        for key, customer in self.customers.items():
            if not customer.traced:
                continue
            path = folder / f"playwright-trace-{_slug(key)}.zip"
            try:
                customer.context.tracing.stop(path=path)
                customer.traced = False
            except Exception as error:
                problems.append(f"{path.name}: {type(error).__name__}: {error}")
        return problems

    def save_open_tabs(self, folder: Path) -> list[str]:
        """A PNG of each open tab of each customer and its HTML as it stands (when the harness,
        not pytest-playwright, keeps the failure's screenshots); a note for each that could
        not be saved."""
        problems: list[str] = []
        if not self.screenshot_failures:
            return problems
        for key, customer in self.customers.items():
            pages = [page for page in customer.context.pages if page.url != "about:blank"]
            for index, page in enumerate(pages, start=1):
                path = folder / f"screenshot-{_slug(key)}-{index}.png"
                try:
                    page.screenshot(path=path, timeout=5000)
                except Exception as error:
                    problems.append(f"{path.name}: {type(error).__name__}: {error}")
                html = folder / f"page-{_slug(key)}-{index}.html"
                try:
                    html.write_text(page.content(), encoding="utf-8")
                except Exception as error:
                    problems.append(f"{html.name}: {type(error).__name__}: {error}")
        return problems

    def close(self) -> None:
        """Give each customer's browser back (its trace, unless a failure kept it, dropped)."""
        for api in self._apis.values():
            api.close()
        origins = (self.stack.web_url, self.stack.fake_url)
        for customer in self.customers.values():
            customer.detach()
            if customer.traced:
                customer.context.tracing.stop()
                customer.traced = False
            if self._contexts is not None:
                self._contexts.give_back(customer.context, origins)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text)


class Stillness:
    """How long a count has stayed the same: ``stuck`` once that is ``limit`` seconds (never
    with no limit); ``last``: the count last noted, None before the first."""

    def __init__(self, limit: float | None) -> None:
        self.limit = limit
        self.last: int | None = None
        self.stuck = False
        self._since = time.monotonic()

    def note(self, count: int) -> None:
        now = time.monotonic()
        if count != self.last:
            self.last, self._since = count, now
        elif self.limit is not None and now - self._since >= self.limit:
            self.stuck = True


class PolledConnection:
    """One connection for a wait's polls, twenty a second: a new connection each time cost
    the database a backend's start, about 4 ms of CPU against 0.1 ms for the query (``bench/
    README.md``, round 8), a tenth of a core through a simulation's drains. A connection lost
    meanwhile (a database restarted under the wait) is opened again once; a second failure is
    the wait's error, as a refused connection was before."""

    def __init__(self, stack: WalletStack) -> None:
        self.stack = stack
        self.conn: psycopg.Connection[Any] | None = None

    def __enter__(self) -> PolledConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()

    def run(self, read: Callable[[psycopg.Connection[Any]], T]) -> T:
        if self.conn is not None:
            try:
                return read(self.conn)
            except psycopg.OperationalError:
                self.conn.close()
                self.conn = None
        self.conn = self.stack.connect()
        return read(self.conn)
