"""``wallet-harness profile check [PROFILE]``: the doctor for an app profile.

It starts the app from the profile, as ``run`` would, and checks each part in order, one line
each with what it tried and, for a failure, the fix: the profile reads; its commands exist; the
migrate and seed ran and the processes start and answer; the ledger and record queries return
their columns; each login works and shows a balance that equals the ledger's; the webhook
endpoint is registered and a signed delivery from the fake reaches it with a 2xx; the reset
returns to the seed; each optional capability answers. A check that needs a failed one is not
run. Everything started is stopped at the end, also after a failure or Ctrl-C. Exit code 0
when every check passed, 1 when one failed, 2 when the profile cannot be read.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from psycopg import sql

from harness.cli.options import add_db_url_option
from harness.console import make_console, plain
from harness.profile.loading import LoadedProfile, ProfileError, default_profile_path, load_profile
from harness.profile.placeholders import fill
from harness.project import artifacts_dir, shown
from harness.stack import app
from harness.stack.wallet_stack import WalletStack

PASS, FAIL, NOT_SET = "✓", "✗", "·"


@dataclass(frozen=True)
class Check:
    mark: str  # PASS | FAIL | NOT_SET
    part: str
    said: str  # what was tried and found
    fix: str = ""

    def __str__(self) -> str:
        line = f"{self.mark} {self.part}: {self.said}"
        return line + (f"\n    fix: {self.fix}" if self.fix else "")


def add_parser(commands: Any) -> None:
    profile = commands.add_parser("profile", help="work with an app profile")
    actions = profile.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="start the app from its profile and check each part, with the fix for a failure",
        description=__doc__.split("\n\n")[1].replace("\n", " ") if __doc__ else None,
    )
    check.add_argument("profile", nargs="?", help="the profile (default: the project's)")
    add_db_url_option(check)
    check.set_defaults(handler=run_profile_check)


def run_profile_check(args: argparse.Namespace) -> int:
    console = make_console()
    path = Path(args.profile) if args.profile else default_profile_path()
    try:
        profile = load_profile(path)
    except ProfileError as error:
        plain(console, f"{FAIL} profile: {error}")
        return 2
    checks = Doctor(profile, args.db_url).checks()
    failed = 0
    for check in checks:
        plain(console, str(check), style="red" if check.mark == FAIL else None)
        failed += check.mark == FAIL
    passed = sum(check.mark == PASS for check in checks)
    plain(console, f"{passed} passed, {failed} failed, {len(checks) - passed - failed} not set")
    return 1 if failed else 0


class Doctor:
    def __init__(self, profile: LoadedProfile, db_url: str | None) -> None:
        self.profile = profile
        self.app = profile.app
        self.db_url = db_url
        self.found: list[Check] = []

    def checks(self) -> list[Check]:
        self.found = [Check(PASS, "profile", f"{shown(self.profile.path)} reads: {self.app.name}")]
        missing = self._missing_commands()
        if missing:
            self.found.append(
                Check(
                    FAIL,
                    "commands",
                    f"not found: {'; '.join(missing)}",
                    "install them, or give the full path in the profile (a relative one is"
                    " read from the process's cwd)",
                )
            )
            return self.found
        self.found.append(Check(PASS, "commands", "every command the profile names is found"))
        self._on_running_stack()
        return self.found

    # -- before anything starts --------------------------------------------------------------

    def _missing_commands(self) -> list[str]:
        values = app.fixed_values(self.profile)
        named: list[tuple[str, list[str], str]] = [
            (f"processes.{name}", process.command, process.cwd)
            for name, process in self.app.processes.items()
        ]
        database = self.app.database
        for key, command in (
            ("database.migrate", database.migrate),
            ("database.seed", database.seed),
            ("database.reset.command", database.reset.command),
            ("capabilities.reconcile", self.app.capabilities.reconcile),
            ("capabilities.manual_credit", self.app.capabilities.manual_credit),
        ):
            if command:
                named.append((key, command, "."))
        missing = []
        for key, command, cwd in named:
            program = fill(command[0], {**values, "port": "0"}) if command else ""
            folder = (self.profile.folder / cwd).resolve()
            if not (shutil.which(program) or shutil.which(program, path=str(folder))):
                missing.append(f"{key}: {program!r}")
        return missing

    # -- on the running app ------------------------------------------------------------------

    def _on_running_stack(self) -> None:
        from harness.stack.standalone import START_ERRORS, standalone_stack

        log_dir = artifacts_dir() / "profile-check"
        try:
            with standalone_stack(self.db_url, (), log_dir, self.profile) as stack:
                started = ", ".join(f"{name} ready" for name in stack.services)
                self.found.append(
                    Check(PASS, "start", f"migrate and seed ran; {started}; at {stack.web_url}")
                )
                self.found.append(
                    Check(PASS, "queries", "[ledger] and the record queries return their columns")
                )
                seeded = _row_counts(stack)
                self._logins(stack)
                self._webhook(stack)
                self._reset(stack, seeded)
                self._capabilities(stack)
        except START_ERRORS as error:
            self.found.append(Check(FAIL, "start", str(error), _start_fix(error)))
        except KeyboardInterrupt:
            self.found.append(Check(FAIL, "start", "interrupted; everything started is stopped"))

    def _step(self, part: str, check: Callable[[], str], fix: str) -> bool:
        try:
            said = check()
        except Exception as error:  # the check's own failure is the finding
            text = str(error).strip().splitlines()
            said = f"{type(error).__name__}: {text[0] if text else ''}"
            self.found.append(Check(FAIL, part, said, fix))
            return False
        self.found.append(Check(PASS, part, said))
        return True

    def _logins(self, stack: WalletStack) -> None:
        from playwright.sync_api import sync_playwright

        from harness.browser.chromium import launch_chromium
        from harness.drivers.customer import Customer, prepare_context
        from harness.money import format_money

        if not self.app.accounts:
            self.found.append(
                Check(FAIL, "logins", "[accounts] is empty", "add the logins the features name")
            )
            return
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                for email, account in self.app.accounts.items():
                    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
                    prepare_context(context)
                    screenshots = artifacts_dir() / "profile-check" / "screens"
                    customer = Customer(
                        context, stack.web_url, email, account, self.app.screen, screenshots
                    )

                    def log_in(customer: Customer = customer) -> str:
                        dashboard = customer.log_in()
                        shows = dashboard.balance_text()
                        with stack.connect() as conn:
                            pence = stack.ledger.balance_pence(conn, customer.account.org_id)
                        held = format_money(pence, self.app.screen.money)
                        if shows != held:
                            raise AssertionError(f"the screen shows {shows}, the ledger {held}")
                        login = customer.account.login
                        return f"{login} logs in; the dashboard shows {shows}, as the ledger"

                    self._step(
                        f"login {email}",
                        log_in,
                        "check [accounts] (login, password, org_id) against the seed, and"
                        " [screen] against the page (a screenshot of a mismatch is in"
                        f" {shown(screenshots)})",
                    )
                    context.close()
            finally:
                browser.close()

    def _webhook(self, stack: WalletStack) -> None:
        path = self.app.stripe.webhook_path

        def registered() -> str:
            urls = [e.url for e in stack.stripe.v1.webhook_endpoints.list().data]
            if stack.web_url + path not in urls:
                raise AssertionError(f"endpoints at the fake: {urls or 'none'}")
            who = "the app" if self.app.stripe.registers_endpoint else "the harness"
            return f"{stack.web_url}{path} registered at the fake by {who}"

        fix = (
            "the app must create its endpoint at start-up with STRIPE_API_BASE as its Stripe"
            " base, or set stripe.registers_endpoint = false and read {webhook_secret}"
        )
        if not self._step("webhook endpoint", registered, fix):
            return

        def delivered() -> str:
            org = next(iter(self.app.accounts.values())).org_id if self.app.accounts else None
            session = stack.stripe.v1.checkout.sessions.create(
                cast(
                    Any,
                    {
                        "mode": "payment",
                        "client_reference_id": org,
                        "success_url": stack.web_url + "/?session_id={CHECKOUT_SESSION_ID}",
                        "line_items": [
                            {
                                "quantity": 1,
                                "price_data": {
                                    "currency": "gbp",
                                    "unit_amount": 100,
                                    "product_data": {"name": "profile check"},
                                },
                            }
                        ],
                    },
                )
            )
            stack.control.pay(session.id)
            stack.control.settle(timeout=30)
            codes = [a.status_code for a in stack.control.deliveries(object_id=session.id).attempts]
            if not any(code is not None and 200 <= code < 300 for code in codes):
                raise AssertionError(f"the deliveries were answered {codes or 'never'}")
            return f"a signed checkout.session.completed was answered {codes[0]}"

        self._step(
            "webhook delivery",
            delivered,
            f"the app must verify with the endpoint's secret and answer 2xx at {path}; its log"
            f" is in {shown(stack.logs['web'])}",
        )

    def _reset(self, stack: WalletStack, seeded: dict[str, int]) -> None:
        def back_to_seed() -> str:
            stack.reset()
            now = _row_counts(stack)
            left = {t: (seeded.get(t, 0), n) for t, n in now.items() if n != seeded.get(t, 0)}
            if left:
                shown_left = ", ".join(f"{t} {n} rows (seed {s})" for t, (s, n) in left.items())
                raise AssertionError(f"after the reset: {shown_left}")
            return f"every table holds its seeded rows again ({len(now)} tables compared)"

        self._step(
            "reset",
            back_to_seed,
            "the [database.reset] must empty what the scenarios add and put the seed back",
        )

    def _capabilities(self, stack: WalletStack) -> None:
        capabilities = self.app.capabilities
        for key, check in _capability_checks(stack).items():
            if not getattr(capabilities, key):
                self.found.append(Check(NOT_SET, f"capabilities.{key}", "not set"))
                continue
            self._step(f"capabilities.{key}", check, f"see capabilities.{key} in the docs")


def _capability_checks(stack: WalletStack) -> dict[str, Callable[[], str]]:
    from harness.drivers.wallet_api import WalletApi

    capabilities = stack.profile.app.capabilities
    records = stack.records

    def topup_api() -> str:
        token = next(a.api_token for a in stack.profile.app.accounts.values() if a.api_token)
        api = WalletApi(stack.web_url, token, capabilities.topup_api)
        try:
            answer = api.start_top_up(5000)
            session_id = api.session_id(answer)
        finally:
            api.close()
        if session_id is None:
            raise AssertionError(f"no session id in the answer: {answer}")
        return f"started a top-up: {answer.status_code}, session {session_id}"

    def reconcile() -> str:
        stack.reconcile()
        return "the reconciliation command ran"

    def worker() -> str:
        stack.stop_worker()
        stack.start_worker()
        return f"the {capabilities.worker} process stopped and started again"

    def query(read: Callable[[Any], object]) -> Callable[[], str]:
        def run() -> str:
            with stack.connect() as conn:
                read(conn)
            return "the query runs"

        return run

    def queue_probe() -> str:
        with stack.connect() as conn:
            waiting, failed = records.queue_counts(conn, stack.web_url)
        return f"{waiting} waiting, {failed} failed"

    def logs() -> str:
        absent = [p for p in capabilities.logs if not (stack.profile.folder / p).exists()]
        if absent:
            raise AssertionError(f"no such file: {', '.join(absent)}")
        return f"{len(capabilities.logs)} log file(s) found"

    return {
        "topup_api": topup_api,
        "reconcile": reconcile,
        "worker": worker,
        "fulfilment_sql": query(lambda conn: records.fulfilment_paths(conn)),
        "events_sql": query(lambda conn: records.failed_inbox_events(conn)),
        "jobs_sql": query(lambda conn: records.jobs_for_events(conn, ["evt_check"])),
        "rejections_sql": query(lambda conn: records.rejections(conn)),
        "heartbeat_sql": query(lambda conn: records.last_heartbeat_age(conn)),
        "queue_probe": queue_probe,
        "logs": logs,
    }


def _row_counts(stack: WalletStack) -> dict[str, int]:
    """Rows in each table of the app's own schemas (not PostgreSQL's)."""
    with stack.connect() as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_type = 'BASE TABLE'"
            " and table_schema not in ('pg_catalog', 'information_schema') order by 1, 2"
        ).fetchall()
        counts = {}
        for schema, table in tables:
            query = sql.SQL("select count(*) from {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
            row = conn.execute(query).fetchone()
            counts[f"{schema}.{table}"] = int(row[0]) if row else 0
        return counts


def _start_fix(error: BaseException) -> str:
    text = type(error).__name__
    if "Schema" in text:
        return "run the migrate/seed command by hand on an empty database and read its output"
    if "ProfileQuery" in text:
        return "fix that query (docs/app-profile.md): alias the app's columns to the names listed"
    if "Service" in text:
        return "the process's last log lines are above; run its command by hand with that env"
    return "see the message"
