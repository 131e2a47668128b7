"""Where a scenario's browser contexts come from, and where they go back to.

Playwright's default, a fresh context per test, costs about a quarter of a second here: the
context, a new renderer process for its first tab (about 130 ms on two cores), and, under
pytest-playwright, a screenshot of every open page when the context closes even when the test
passed. So by default the harness keeps its contexts for the whole run (``ContextPool``) and
cleans one between scenarios: every tab but one closed, that one on ``about:blank``, cookies,
permissions and the stack's origins' storage cleared. What a scenario sees is what a fresh
context shows: logged out, no storage, no history; only the HTTP cache of static files stays.

``PerTestContexts`` hands out pytest-playwright's own per-test contexts instead, for runs that
ask it to record more than a failure's screenshot (``--tracing``, ``--video``,
``--screenshot on``): its artifacts recorder works on the contexts it made.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Protocol

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

BLANK = "about:blank"


class ContextSource(Protocol):
    def take(self) -> BrowserContext: ...

    def give_back(self, context: BrowserContext, origins: Iterable[str]) -> None: ...


class LazyContexts:
    """A source found only when a scenario first opens a browser, so that scenarios driving
    the API alone never start Chromium."""

    def __init__(self, find: Callable[[], ContextSource]) -> None:
        self._find = find
        self._source: ContextSource | None = None

    def take(self) -> BrowserContext:
        if self._source is None:
            self._source = self._find()
        return self._source.take()

    def give_back(self, context: BrowserContext, origins: Iterable[str]) -> None:
        assert self._source is not None, "a context given back that was never taken"
        self._source.give_back(context, origins)


class ContextPool:
    """Contexts made once and reused: ``take`` one for a customer, ``give_back`` it cleaned."""

    def __init__(
        self,
        new_context: Callable[[], BrowserContext],
        prepare: Callable[[BrowserContext], None],
    ) -> None:
        self._new_context = new_context
        self._prepare = prepare
        self._idle: list[BrowserContext] = []
        self._all: list[BrowserContext] = []

    def take(self) -> BrowserContext:
        if self._idle:
            return self._idle.pop()
        context = self._new_context()
        self._prepare(context)
        self._all.append(context)
        return context

    def give_back(self, context: BrowserContext, origins: Iterable[str]) -> None:
        """Clean ``context`` for the next scenario; a context that cannot be cleaned is closed
        and dropped, so the next scenario gets a new one rather than a dirty one."""
        try:
            clean(context, origins)
        except Exception:
            self._all.remove(context)
            _close_quietly(context)
            raise
        self._idle.append(context)

    def close(self) -> None:
        for context in self._all:
            _close_quietly(context)
        self._all.clear()
        self._idle.clear()


class PerTestContexts(ContextPool):
    """pytest-playwright's ``new_context``: a new context each time (none is given back to be
    reused), closed by pytest-playwright's fixture, which keeps its artifacts."""

    def give_back(self, context: BrowserContext, origins: Iterable[str]) -> None:
        """Nothing to do: pytest-playwright closes it at teardown."""


def clean(context: BrowserContext, origins: Iterable[str]) -> None:
    """One blank tab left (kept open: it holds the context's renderer process, which a new tab
    would otherwise start again), nothing stored for ``origins``, no cookies, no permissions."""
    pages = context.pages
    keep = pages[0] if pages else context.new_page()
    for page in pages[1:]:
        page.close()
    keep.goto(BLANK)
    session = context.new_cdp_session(keep)
    try:
        for origin in origins:
            session.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
    finally:
        session.detach()
    context.clear_cookies()
    context.clear_permissions()


def blank_tab(context: BrowserContext) -> Page | None:
    """An open tab of ``context`` still on ``about:blank`` (the one a cleaned context keeps)."""
    return next((page for page in context.pages if page.url == BLANK), None)


def _close_quietly(context: BrowserContext) -> None:
    with contextlib.suppress(PlaywrightError):  # the browser may be gone at the end of a run
        context.close()
