"""Browser fixtures for page tests (the fake's checkout, the app's dashboard): one Chromium per
test module, a fresh context per test. A failing test leaves a Playwright trace and a
screenshot in ``artifacts/browser/<test>/``
(open the trace with ``python -m playwright show-trace``).

Module scope, not session: while Playwright's sync API runs, it marks an event loop as running
in this thread, so ``asyncio.run`` in any other test of the same process would fail. Stopping
Playwright when the module's last test is done keeps the other modules' tests unaffected (under
pytest-xdist, a worker that switches modules starts Chromium again: about half a second).

Use them from a test module with ``pytest_plugins = ["tests.browser_fixtures"]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from harness.browser import launch_chromium

ACTION_TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = chromium.new_context(locale="en-GB")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.tracing.start(snapshots=True)  # DOM snapshots; a screencast would cost ~20 %
    failed_before = request.session.testsfailed
    page = context.new_page()
    yield page
    # the test's own report is counted before its fixtures are torn down
    if request.session.testsfailed > failed_before:
        folder = request.config.rootpath / "artifacts" / "browser" / _folder_name(request)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=folder / "screenshot.png", full_page=True)
        context.tracing.stop(path=folder / "trace.zip")
    else:
        context.tracing.stop()
    context.close()


def _folder_name(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
