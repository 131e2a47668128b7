"""``wallet-harness reproduce [DEFECT]``: the bug report's test case, once, in a real browser,
explained stage by stage (the work itself is ``harness.cli.reproduction``).

The stack starts with the defect (or preset, e.g. ``seed-bug``) switched on, on a throwaway
PostgreSQL unless ``--db-url``; Chromium is launched as the BDD suite launches it. Exit code 0:
every stage held; 1: the flow broke; 2: it could not be run.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from harness.cli.options import add_app_option, add_db_url_option, defect_name
from harness.console import fail, make_console, plain

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext
    from rich.console import Console

    from harness.stack.wallet_stack import WalletStack

DESCRIPTION = """\
Start the stack (with DEFECT switched on, if given), top up £50.00 as test@demo.com
with the card 4242 4242 4242 4242 in Chromium, land back on the dashboard, and print
the stage-by-stage diagnosis with the bug report's checklist lines, what the customer
saw, the ledger, and the BDD scenario that covers it."""
LOG_DIR_NAME = "reproduce"  # artifacts/reproduce/<defect>/


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reproduce = commands.add_parser(
        "reproduce",
        help="run the bug report's £50 top-up once in a browser and explain it stage by stage",
        description=DESCRIPTION,
        epilog="exit codes: 0 every stage held, 1 the flow broke, 2 it could not be run\n"
        "examples: wallet-harness reproduce seed-bug; wallet-harness reproduce stale-webhook-url",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    reproduce.add_argument(
        "defect",
        nargs="?",
        type=defect_name,
        metavar="DEFECT",
        help="a defect or preset to switch on, e.g. seed-bug (the app profile's [defects]"
        " lists them); none: the healthy app",
    )
    reproduce.add_argument("--headed", action="store_true", help="show the browser as it works")
    add_app_option(reproduce)
    add_db_url_option(reproduce)
    reproduce.set_defaults(handler=run_reproduce)


def run_reproduce(args: argparse.Namespace) -> int:
    from harness.cli.reproduction import describe_defects
    from harness.project import artifacts_dir, shown
    from harness.stack.services import ServiceLost
    from harness.stack.standalone import START_ERRORS, standalone_stack

    console = make_console()
    defect: str | None = args.defect
    log_dir = artifacts_dir() / LOG_DIR_NAME / (defect or "healthy")
    plain(console, f"starting the stack ({describe_defects(defect)}) ...")
    try:
        with standalone_stack(args.db_url, (defect,) if defect else (), log_dir) as stack:
            plain(
                console,
                f"the stack is up: {stack.web_url}{stack.profile.app.screen.dashboard.path};"
                f" logs in {shown(log_dir)}",
            )
            return reproduce_in_browser(stack, console, defect, headed=args.headed, app=args.app)
    except ServiceLost as lost:  # after the start: a process died, or the database went
        fail(f"reproduce: {lost.report('reproducing the top-up')}")
        return 2
    except START_ERRORS as error:
        fail(f"reproduce: the stack did not start: {error}")
        return 2
    except KeyboardInterrupt:
        fail("reproduce: interrupted; everything it started is stopped")
        return 2


def reproduce_in_browser(
    stack: WalletStack, console: Console, defect: str | None, *, headed: bool, app: str | None
) -> int:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from harness.browser.chromium import BrowserMissing, launch_chromium
    from harness.browser.contexts import ContextPool
    from harness.cli.reproduction import reproduce_topup
    from harness.drivers.customer import prepare_context
    from harness.scenario import Scenario

    with sync_playwright() as playwright:
        try:
            browser = launch_chromium(playwright, headless=not headed)
        except (BrowserMissing, PlaywrightError) as error:
            fail(f"reproduce: Chromium did not start: {error}")
            return 2
        try:
            plain(console, f"Chromium {browser.version} ({'headed' if headed else 'headless'})")

            def new_context() -> (
                BrowserContext
            ):  # as the BDD suite's (harness.plugin.browser_fixtures)
                return browser.new_context(locale="en-GB", timezone_id="Europe/London")

            scenario = Scenario(stack, ContextPool(new_context, prepare_context))
            return reproduce_topup(scenario, console, defect, app)
        finally:
            browser.close()
