"""A Chromium for browser tests: Playwright's own when installed, else the system's.

Which one, in this order:

1. ``WALLET_CHROMIUM``, when set: an explicit choice beats any default;
2. Playwright's bundled Chromium (``python -m playwright install chromium``);
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
from playwright.sync_api import Error as PlaywrightError

log = logging.getLogger("harness.browser")

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


def launch_chromium(playwright: Playwright, *, headless: bool = True) -> Browser:
    args = chromium_args()
    chosen = os.environ.get("WALLET_CHROMIUM")
    if chosen:
        if not _executable(chosen):
            raise BrowserMissing(f"WALLET_CHROMIUM={chosen} is not an executable file")
        log.info("launching Chromium from WALLET_CHROMIUM: %s", chosen)
        return playwright.chromium.launch(executable_path=chosen, headless=headless, args=args)
    try:
        browser = playwright.chromium.launch(headless=headless, args=args)
    except PlaywrightError as bundled:
        why = _first_line(bundled.message)
        fallback = system_chromium()
        if fallback is None:
            raise BrowserMissing(
                f"no Chromium to run browser tests: Playwright's own did not launch ({why}) and"
                f" none of {', '.join(SYSTEM_CHROMIUMS)} exists; {HOW_TO_INSTALL}"
            ) from bundled
        log.info("Playwright's Chromium did not launch (%s); launching %s", why, fallback)
        return playwright.chromium.launch(executable_path=fallback, headless=headless, args=args)
    log.info("launched Playwright's bundled Chromium %s", browser.version)
    return browser


def _first_line(message: str) -> str:
    return next((line.strip() for line in message.splitlines() if line.strip()), "no reason given")


def _executable(path: str) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)
