"""pytest-playwright's launch and context options, as the harness needs them.

Registered by the plugin after pytest-playwright, so these override its fixtures of the same
name while keeping what its options set (``--headed``, ``--slowmo``, ``--browser-channel``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright

from harness.browser.chromium import choose_executable, chromium_args
from harness.browser.contexts import ContextPool, ContextSource, PerTestContexts
from harness.drivers.customer import prepare_context
from harness.stack.scratch import OwnedFolder


@pytest.fixture(scope="session")
def _chromium_tmp() -> Iterator[OwnedFolder]:
    """Chromium's own temporary folder (its ``TMPDIR``): a browser killed before it could
    clean up (its run SIGKILLed, the driver killing it in turn) leaves its
    ``org.chromium.Chromium.*`` folders here, where the next run removes them."""
    folder = OwnedFolder("chromium-", short=True)  # Chromium puts a socket in it
    yield folder
    folder.cleanup()


@pytest.fixture(scope="session")
def _traces_tmp() -> Iterator[OwnedFolder]:
    """Where Playwright keeps a trace while it records (``traces_dir``): left to itself it makes
    a ``playwright-tracing-*`` folder in the shared temporary folder, which a run killed while
    a scenario records leaves behind; here the next run removes it."""
    folder = OwnedFolder("playwright-traces-")
    yield folder
    folder.cleanup()


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
    playwright: Playwright,
    pytestconfig: pytest.Config,
    _chromium_tmp: OwnedFolder,
    _traces_tmp: OwnedFolder,
) -> dict[str, Any]:
    """Playwright's own Chromium where installed, else a system one; never a DNS lookup."""
    explicit = pytestconfig.getoption("wallet_chromium") or os.environ.get("WALLET_CHROMIUM")
    launch = {
        **browser_type_launch_args,
        "args": chromium_args(),
        "env": {**os.environ, "TMPDIR": _chromium_tmp.name},
        "traces_dir": _traces_tmp.name,
    }
    executable = choose_executable(playwright, explicit)
    if executable is not None:
        launch["executable_path"] = executable
    return launch


@pytest.fixture(scope="session")
def _pw_artifacts_folder(pytestconfig: pytest.Config) -> tempfile.TemporaryDirectory[str]:
    """pytest-playwright's folder for a session's artifacts, made where the next run removes it
    if this one is killed before its own clean-up (``harness.stack.scratch``). Removed when
    pytest ends, as pytest-playwright removes its own: session fixtures end in the last test's
    teardown, before pytest-playwright keeps or deletes that test's screenshots from here."""
    folder = OwnedFolder("playwright-pytest-")
    pytestconfig.add_cleanup(folder.cleanup)
    return folder


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/London"}


@pytest.fixture(scope="session")
def wallet_context_pool(
    browser: Browser, browser_context_args: dict[str, Any]
) -> Iterator[ContextPool]:
    """Browser contexts kept for the whole run and cleaned between scenarios."""
    pool = ContextPool(lambda: browser.new_context(**browser_context_args), prepare_context)
    yield pool
    pool.close()


@pytest.fixture
def wallet_context_source(request: pytest.FixtureRequest) -> ContextSource:
    """The pool, unless pytest-playwright must record each test's own contexts."""
    if records_every_context(request.config):
        new_context: Callable[[], BrowserContext] = request.getfixturevalue("new_context")
        return PerTestContexts(new_context, prepare_context)
    pool: ContextPool = request.getfixturevalue("wallet_context_pool")
    return pool


def records_every_context(config: pytest.Config) -> bool:
    """Whether pytest-playwright was asked to record more than a failure's screenshot, which
    its recorder does only on the per-test contexts it makes itself."""
    return bool(
        config.getoption("tracing", "off") != "off"
        or config.getoption("video", "off") != "off"
        or config.getoption("screenshot", "off") == "on"
    )
