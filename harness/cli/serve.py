"""``wallet-harness serve``: the whole stack up on this machine until Ctrl-C, to click through
by hand and to drive with ``wallet-harness fault`` and ``wallet-harness clock``.

A throwaway PostgreSQL (or a database on ``--db-url``), fake_stripe, the wallet app's web
process and worker. It prints where everything is, writes the fake's address to a state file
(``artifacts/serve.json`` unless ``--port-file``) for the other commands, and on Ctrl-C or
SIGTERM stops every process, drops the database and removes the state file.
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from harness.cli.options import add_app_option, add_db_url_option, add_defect_option
from harness.cli.serve_state import (
    STATE_FILE_NAME,
    ServeState,
    default_state_file,
    live_state,
    remove_state,
    write_state,
)
from harness.console import fail, make_console, plain
from harness.profile.loading import default_profile
from harness.project import shown

if TYPE_CHECKING:
    from harness.stack.wallet_stack import WalletStack

WATCH_INTERVAL = 0.5  # seconds between looks at the services while serving
# and between connections that ask whether the database still answers: a server of the
# user's own (--db-url) sees one every few seconds, not two a second
DATABASE_WATCH_INTERVAL = 5.0
EXAMPLES = (
    "wallet-harness fault add fail --event checkout.session.completed --times 3 --status 500",
    "wallet-harness fault add delay --event checkout.session.completed --seconds 2h",
    "wallet-harness fault list",
    "wallet-harness clock advance 2h",
    "wallet-harness fault clear",
)


# alike in shape with cli/fault.py's add_parser: each command declares its own argparse parser
# (help, description, epilog); only the calls are the same.
def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="bring the whole stack up and keep it running until Ctrl-C",
        description="Bring the whole stack up (PostgreSQL, fake_stripe, the wallet app's web"
        " process and worker), print the dashboard URL, the logins and where everything is,"
        " and keep it running until Ctrl-C or SIGTERM, which stop it cleanly. `wallet-harness"
        " fault` and `wallet-harness clock` find the running fake through the state file.",
        epilog="example: wallet-harness serve --defect seed-bug",
    )
    add_app_option(serve)
    add_db_url_option(serve)
    add_defect_option(serve, "run the app with this defect")
    serve.add_argument(
        "--port-file",
        type=Path,
        metavar="PATH",
        help="where to write the state file with the fake's URL (default: artifacts/serve.json"
        " in the project checkout); pass the same to fault and clock",
    )
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from harness.stack.services import ServiceLost
    from harness.stack.standalone import START_ERRORS, standalone_stack

    console = make_console()
    state_file: Path = args.port_file or default_state_file()
    if state_file.is_dir():
        fail(
            f"--port-file {state_file}: a folder; name a file in it, such as"
            f" {state_file / STATE_FILE_NAME}"
        )
        return 2
    other = live_state(state_file)
    if other is not None:
        fail(
            f"another wallet-harness serve (pid {other.pid}) is running and owns {state_file};"
            " stop it first, or pass --port-file PATH to run a second one"
        )
        return 2
    defects = tuple(sorted(set(args.defect)))
    log_dir = state_file.with_name(f"{state_file.stem}-logs")  # artifacts/serve-logs/
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"--port-file {state_file}: cannot make {log_dir} ({error.strerror or error})")
        return 2
    # Ctrl-C (SIGINT) stops serve even when started in the background by a script, which
    # would otherwise leave it ignoring SIGINT; SIGTERM unwinds through harness.postgres.termination
    signal.signal(signal.SIGINT, signal.default_int_handler)
    plain(console, f"starting the stack (defects: {', '.join(defects) or 'none'}) ...")
    try:
        with standalone_stack(args.db_url, defects, log_dir) as stack:
            state = _state(stack)
            try:
                write_state(state_file, state)
            except OSError as error:  # the stack stops on the way out
                fail(f"cannot write the state file {state_file} ({error.strerror or error})")
                return 2
            try:
                show_stack(console, state, state_file)
                watch(stack)
            except KeyboardInterrupt as stop:
                _finish_quietly()
                plain(console, f"\nstopping ({str(stop) or 'Ctrl-C'}) ...")
            except ServiceLost as lost:  # a process died, or the database is gone
                _finish_quietly()
                fail(f"{lost.report('serving')}\nstopping the rest")
                return 1
            finally:
                remove_state(state_file, state.pid)
    except START_ERRORS as error:
        fail(f"the stack failed: {error}")
        return 1
    except KeyboardInterrupt:
        plain(console, "interrupted while starting; everything started is stopped")
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    plain(console, "stopped: every process, the database and the state file are gone")
    return 0


def show_stack(console: Console, state: ServeState, state_file: Path) -> None:
    def row(label: str, value: str) -> None:
        console.print(Text.assemble((f"{label:<13}", "bold"), value), soft_wrap=True)

    console.print()
    console.print(Text("The wallet stack is up.", style="bold green"))
    row("Dashboard", state.dashboard_url)
    accounts = default_profile().app.accounts.values()
    for index, account in enumerate(accounts):
        login = f"{account.login} / {account.password}"
        row("Logins" if index == 0 else "", f"{login:<32} organisation {account.org_id}")
    tokens = sorted({account.api_token for account in accounts if account.api_token})
    row("API tokens", f"{', '.join(tokens)}   (Authorization: Bearer ... on {state.web_url}/api)")
    row("fake_stripe", f"{state.fake_url}   (Stripe API and hosted Checkout)")
    row("Control API", state.control_url)
    row("Database", state.database_url)
    row("Defects", ", ".join(state.defects) or "none")
    logs = [Path(path) for path in state.logs.values()]
    row("Logs", f"{shown(logs[0].parent)}/   ({', '.join(path.name for path in logs)})")
    row("State file", f"{shown(state_file)}   (fault and clock read it)")
    console.print()
    plain(console, "Try:")
    for example in EXAMPLES:
        plain(console, f"  {example}")
    console.print()
    plain(console, "Ctrl-C stops everything.")


def watch(stack: WalletStack) -> None:
    """Until interrupted; ``ServiceDied`` (the process, how it ended, the log's tail) when one
    of the stack's processes exits, side services included, and ``DatabaseUnreachable`` when
    the database has refused connections for its grace (a restart passes)."""
    database_checked = time.monotonic()
    while True:
        stack.check_alive()
        if time.monotonic() - database_checked >= DATABASE_WATCH_INTERVAL:
            stack.check_database()
            database_checked = time.monotonic()
        time.sleep(WATCH_INTERVAL)  # real processes, real time: nothing simulated waits here


def _state(stack: WalletStack) -> ServeState:
    from harness.postgres.server import redact_url

    return ServeState(
        pid=os.getpid(),
        fake_url=stack.fake_url,
        control_url=f"{stack.fake_url}/_control",
        web_url=stack.web_url,
        dashboard_url=f"{stack.web_url}{stack.profile.app.screen.dashboard.path}",
        database_url=redact_url(stack.database_url),
        defects=list(stack.config.defects),
        logs={name: str(path) for name, path in stack.logs.items()},
    )


def _finish_quietly() -> None:
    """A second Ctrl-C while stopping would leave processes behind: say so and carry on."""

    def still_stopping(signum: int, frame: FrameType | None) -> None:
        print("still stopping; one moment", flush=True)

    signal.signal(signal.SIGINT, still_stopping)
