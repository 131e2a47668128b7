"""A Chromium for browser tests: Playwright's own when installed, else the system's.

Which one, in this order:

1. an explicit path (``--chromium`` or ``WALLET_CHROMIUM``): a choice beats any default;
2. Playwright's bundled Chromium, when installed (``python -m playwright install chromium``);
3. a system Chromium at the usual paths (``apt-get install chromium``; ``scripts/bootstrap``
   installs it when none is found).

The browser never reaches the internet: every host name except localhost resolves to nothing,
and Chromium's own background traffic (updates, sync, safe browsing lists) is switched off.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from playwright.sync_api import Browser, Playwright

log = logging.getLogger("harness.browser.chromium")

SYSTEM_CHROMIUMS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-gpu",
)
HOW_TO_INSTALL = (
    "run `python -m playwright install chromium` (needs network), or install a system Chromium"
    " (`apt-get install chromium`, which `bash scripts/bootstrap` does), or set WALLET_CHROMIUM"
    " to the path of a Chromium or Chrome executable"
)


class BrowserMissing(RuntimeError):
    """No Chromium could be launched; the message says how to install one."""


def chromium_args() -> list[str]:
    args = list(CHROMIUM_ARGS)
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox itself as root
    return args


def system_chromium() -> str | None:
    """The first executable of the usual system paths, or None."""
    for candidate in SYSTEM_CHROMIUMS:
        if _executable(candidate):
            return candidate
    return None


def choose_executable(playwright: Playwright, explicit: str | None = None) -> str | None:
    """The Chromium to launch: ``explicit`` (a path option or WALLET_CHROMIUM) when given, None
    for Playwright's own when it is installed, else a system Chromium; ``BrowserMissing``
    with what to do when there is none."""
    if explicit:
        if not _executable(explicit):
            raise BrowserMissing(f"the Chromium asked for, {explicit}, is not an executable file")
        log.info("using the Chromium asked for: %s", explicit)
        return explicit
    bundled = playwright.chromium.executable_path
    if bundled and _executable(bundled):
        log.info("using Playwright's own Chromium: %s", bundled)
        return None
    fallback = system_chromium()
    if fallback is None:
        raise BrowserMissing(
            f"no Chromium to run browser tests: Playwright's own is not installed ({bundled})"
            f" and none of {', '.join(SYSTEM_CHROMIUMS)} exists; {HOW_TO_INSTALL}"
        )
    log.info("Playwright's own Chromium is not installed; using %s", fallback)
    return fallback


def launch_chromium(playwright: Playwright, *, headless: bool = True) -> Browser:
    executable = choose_executable(playwright, os.environ.get("WALLET_CHROMIUM"))
    return playwright.chromium.launch(
        executable_path=executable, headless=headless, args=chromium_args()
    )


def _executable(path: str) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)
