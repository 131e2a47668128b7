"""pytest-playwright's launch and context options, as the harness needs them.

Registered by the plugin after pytest-playwright, so these override its fixtures of the same
name while keeping what its options set (``--headed``, ``--slowmo``, ``--browser-channel``).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Playwright

from harness.browser import choose_executable, chromium_args

ACTION_TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], playwright: Playwright, pytestconfig: pytest.Config
) -> dict[str, Any]:
    """Playwright's own Chromium where installed, else a system one; never a DNS lookup."""
    explicit = pytestconfig.getoption("wallet_chromium") or os.environ.get("WALLET_CHROMIUM")
    launch = {**browser_type_launch_args, "args": chromium_args()}
    executable = choose_executable(playwright, explicit)
    if executable is not None:
        launch["executable_path"] = executable
    return launch


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/London"}
