"""Browser fixtures for the reference app's pages: one Chromium per test module, a fresh context
per test (the pattern of tests/stripe_double/browser_fixtures.py; see there why module scope).
A failing test leaves a Playwright trace and a screenshot in ``artifacts/browser/<test>/``
(open the trace with ``python -m playwright show-trace``).

The fixture names are this package's own (``app_chromium``, ``app_page``): a ``pytest_plugins``
module is registered for the whole run, so two plugins must not define the same fixture.

Use them from a test module with ``pytest_plugins = ["tests.reference_app.browser_fixtures"]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from harness.browser import launch_chromium

ACTION_TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def app_chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def app_page(app_chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = app_chromium.new_context(locale="en-GB")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.tracing.start(snapshots=True)
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
