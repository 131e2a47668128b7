"""The doctor behind ``wallet-harness profile check``: it starts the app from its profile, as
``run`` would, and checks each part in order, one ``Check`` each:

1. the profile reads (the command checks that: ``load_profile``);
2. every command, folder and SQL file it names is there, and every person the features name
   has a login, before anything starts (``profile_preflight``);
3. the database: a fresh one, migrated and seeded by ``[database]`` (``profile_database``);
4. the queries: ``[ledger]`` and the capabilities' SQL return their columns;
5. the processes: fake_stripe and each process of ``[processes]`` start and get ready;
6. each account of ``[accounts]`` logs in through the login screen in Chromium, and its
   dashboard shows the balance the ledger holds, as ``screen.money`` writes it
   (``profile_money_path``);
7. the webhook endpoint is registered at the fake, a paid top-up's signed
   ``checkout.session.completed`` reaches it and is answered 2xx, and the ledger credits it;
8. the reset brings every table back to its rows from the start (the tables left behind are
   named) and the balances to the seed's, and a top-up after it still goes through;
9. each capability answers; one that is not set is listed with what it enables
   (``profile_capabilities``).

A check that needs one that did not pass is reported as not run, naming it. Everything started
(the database, the processes, the browser) is stopped on the way out, also after a failure or
Ctrl-C.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from harness.cli.profile_capabilities import ENABLES, QUERIES, Capabilities
from harness.cli.profile_database import AppDatabase, reset_fix
from harness.cli.profile_findings import FAILED, NOT_RUN, NOT_SET, OK, Check, CheckFailed
from harness.cli.profile_findings import last_lines as tail
from harness.cli.profile_money_path import MoneyPath
from harness.cli.profile_preflight import accounts_given, commands_found, never_given
from harness.profile.loading import LoadedProfile
from harness.project import shown
from harness.records.app_records import AppRecords
from harness.stack import app as app_processes
from harness.stack.services import ServiceFailed
from harness.stack.wallet_stack import StackConfig, WalletStack

# the checks that need the running app, named as a group when what they need failed
LATER = ["queries", "processes", "logins", "webhook", "reset", "capabilities"]


class Doctor:
    """Checks ``profile`` on a server at ``db_url`` (None: a throwaway one); the processes' logs
    go to ``log_dir``; ``on_check`` hears each check as it is made."""

    def __init__(
        self,
        profile: LoadedProfile,
        db_url: str | None,
        log_dir: Path,
        on_check: Callable[[Check], None] = lambda check: None,
    ) -> None:
        self.profile = profile
        self.app = profile.app
        self.log_dir = log_dir
        self.on_check = on_check
        self.database = AppDatabase(profile, db_url)
        self.checks: list[Check] = []
        self.pids: set[int] = set()  # every process the checks started

    def run(self) -> list[Check]:
        self._add(Check("profile", OK, f"{shown(self.profile.path)} reads", self.app.name))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for old in [*self.log_dir.glob("*.log"), *self.log_dir.glob("screens/*.png")]:
            old.unlink()  # the last check's
        self.step("commands", "", lambda: commands_found(self.profile))
        self.step("accounts", "", lambda: accounts_given(self.app))
        with ExitStack() as resources:
            self._on_a_database(resources)
        return self.checks

    # -- the runner ----------------------------------------------------------------------------

    def step(
        self, name: str, tried: str, check: Callable[[], str], *, needs: Iterable[str] = ()
    ) -> bool:
        """Run one check: ok with what it found, failed with what ``CheckFailed`` (or any
        other error) says, or not run when a check it needs did not pass."""
        missing = [need for need in needs if self._outcome(need) != OK]
        if missing:
            self._add(Check(name, NOT_RUN, f"not run (needs: {', '.join(missing)})"))
            return False
        began = time.perf_counter()
        try:
            found = check()
        except CheckFailed as failed:
            seconds = time.perf_counter() - began
            self._add(
                Check(name, FAILED, tried, failed.detail, failed.fix, failed.evidence, seconds)
            )
            return False
        except Exception as error:  # an unforeseen failure is still this check's finding
            seconds = time.perf_counter() - began
            lines = str(error).strip().splitlines() or [""]
            said = f"{type(error).__name__}: {lines[0]}"
            fix = "the lines above say what went wrong"
            self._add(Check(name, FAILED, tried, said, fix, tuple(lines[1:6]), seconds))
            return False
        self._add(Check(name, OK, tried, found, seconds=time.perf_counter() - began))
        return True

    def _add(self, check: Check) -> None:
        self.checks.append(check)
        self.on_check(check)

    def _outcome(self, name: str) -> str | None:
        return next((c.outcome for c in reversed(self.checks) if c.name == name), None)

    def _not_run_after(self, failed: str) -> None:
        for name in LATER[LATER.index(failed) + 1 :] if failed in LATER else LATER:
            self._add(Check(name, NOT_RUN, f"not run (needs: {failed})"))

    # -- the database, the queries, the processes ----------------------------------------------

    def _on_a_database(self, resources: ExitStack) -> None:
        database = self.app.database
        steps = [k for k in ("migrate", "schema_sql", "seed", "seed_sql") if getattr(database, k)]
        tried = f"{' and '.join(f'database.{key}' for key in steps)} on an empty database"
        if not self.step(
            "database", tried, lambda: self.database.create(resources), needs=["commands"]
        ):
            self._not_run_after("database")
            return
        records = AppRecords(self.app.capabilities)
        more = sum(records.has(key) for key in ("fulfilment.sql", *QUERIES))
        named = "ledger.balances_sql, ledger.rows_sql" + (
            f" and {more} capabilities queries" if more else ""
        )
        if not self.step("queries", named, self.database.check_queries):
            self._not_run_after("queries")
            return
        stack = WalletStack(StackConfig(self.database.url, self.log_dir, profile=self.profile))
        resources.callback(stack.stop)
        names = ", ".join(["fake_stripe", *self.app.processes])
        if not self.step("processes", f"started {names}", lambda: self._processes(stack)):
            self._not_run_after("processes")
            return
        self._on_the_running_app(stack, resources)

    def _processes(self, stack: WalletStack) -> str:
        began = time.perf_counter()
        try:
            stack.start()
        except ServiceFailed as error:
            first, *rest = str(error).splitlines()
            raise CheckFailed(
                first,
                _start_fix(first, self.log_dir) + never_given(self.app),
                [line for line in rest if line][-12:],
            ) from None
        finally:
            self._note_pids(stack)
        for name, service in stack.services.items():
            if not service.running:
                raise CheckFailed(
                    f"{name} was ready, then exited (code {service.returncode})",
                    _start_fix("exited during start-up", self.log_dir) + never_given(self.app),
                    tail(service.output()),
                )
        if self.app.processes["web"].ready.none:
            raise CheckFailed(
                "processes.web.ready waits for nothing, so every check races the web process",
                'give it an HTTP readiness, e.g. ready = { http = "{public_url}/login" }',
            )
        worker = self.app.capabilities.worker
        if worker is not None and not stack.worker_beating:
            timeout = self.app.processes[worker].ready.timeout
            raise CheckFailed(
                f"{worker} runs but was not ready within {timeout:.0f} s"
                f" ({self._readiness(stack, worker)})",
                f"processes.{worker}.ready must describe what the worker does once it works",
                tail(stack.worker.output(), 8),
            )
        each = "; ".join(f"{name}: {self._readiness(stack, name)}" for name in self.app.processes)
        seconds = time.perf_counter() - began
        self.database.note_started()
        return f"ready in {seconds:.1f} s ({each}); logs in {shown(self.log_dir)}/"

    # -- on the running app --------------------------------------------------------------------

    def _on_the_running_app(self, stack: WalletStack, resources: ExitStack) -> None:
        path = MoneyPath(stack, resources, self.log_dir / "screens")
        accounts = self.app.accounts
        login_path = self.app.screen.login.path
        for email, account in accounts.items():
            self.step(
                f"login {email}",
                f"{account.login} at {login_path} in Chromium",
                lambda e=email, a=account: path.log_in(e, a),  # type: ignore[misc]
            )
        for email, account in accounts.items():
            self.step(
                f"balance {email}",
                "",
                lambda e=email, a=account: path.balance(e, a),  # type: ignore[misc]
                needs=[f"login {email}"],
            )
        self.step("webhook endpoint", stack.web_url + self.app.stripe.webhook_path, path.endpoint)
        email, account = self._payer()
        needs = ["webhook endpoint"]
        if account is None:
            needs.append("accounts")
        elif self.app.capabilities.topup_api is None or not account.api_token:
            needs.append(f"login {email}")  # the top-up starts on its dashboard
        self.step(
            "webhook delivery",
            f"a £50.00 top-up as {email}",
            lambda: path.pay_top_up(email, account),
            needs=needs,
        )
        self.step("credit", "", path.credited, needs=["webhook delivery"])
        reset = self.app.database.reset
        kind = next(
            k for k in ("snapshot", "sql", "command", "url") if getattr(reset, k) is not None
        )
        self.step("reset", f"database.reset.{kind}", lambda: self._reset(stack, path, kind))
        capabilities = Capabilities(stack)
        for key, enables in ENABLES.items():
            name = f"capabilities.{key}"
            if not capabilities.is_set(key):
                self._add(Check(name, NOT_SET, f"not set: {enables}"))
                continue
            self.step(name, "", capabilities.probe(key))
            self._note_pids(stack)

    def _payer(self) -> tuple[str, Any]:
        """Who tops up: an account with an API token where the app has a top-up API."""
        accounts = self.app.accounts
        if self.app.capabilities.topup_api is not None:
            for email, account in accounts.items():
                if account.api_token:
                    return email, account
        return next(iter(accounts.items()), ("nobody", None))

    def _reset(self, stack: WalletStack, path: MoneyPath, kind: str) -> str:
        """After the reset every table it answers for holds its rows from the start and every
        balance is the seed's; where a top-up went through before, one still does."""
        changed = self.database.changed()
        seconds = stack.reset()
        held = self.database.check_reset(kind)
        wrote = f"the checks wrote to {len(changed)} table(s)" if changed else "nothing changed"
        said = f"{wrote}; after it ({seconds * 1000:.0f} ms) {held}"
        if self._outcome("credit") != OK:
            return said
        email, account = self._payer()
        try:
            path.pay_top_up(email, account)
            path.credited()
        except CheckFailed as failed:
            raise CheckFailed(
                f"{said}; but a top-up after it: {failed.detail}",
                "the reset must keep what the app needs to take a webhook (its endpoint and"
                " signing secret, its worker's registration): " + reset_fix(kind, False, []),
                failed.evidence,
            ) from None
        return f"{said}; a top-up after it was answered 2xx and credited"

    # -- plumbing ------------------------------------------------------------------------------

    def _readiness(self, stack: WalletStack, name: str) -> str:
        ready = self.app.processes[name].ready
        values = stack.values_of(name)
        try:
            return app_processes.readiness(ready, stack.services[name], values, stack.app_http)[1]
        except KeyError:  # a placeholder only known later: say it as written
            return str(ready.http or ready.log or ready.tcp or "nothing to wait for")

    def _note_pids(self, stack: WalletStack) -> None:
        for service in (stack.fake, *stack.services.values()):
            if service.pid is not None:
                self.pids.add(service.pid)


def _start_fix(first: str, log_dir: Path) -> str:
    if "exited during start-up" in first:
        return (
            "the process stopped by itself: its last lines (above) say why; run its command"
            f" by hand with the profile's env (logs in {shown(log_dir)})"
        )
    if "was not ready within" in first:
        return (
            "it runs, but its readiness never held: check processes.<name>.ready (the URL and"
            " its {port}, the log line, the port), or raise its timeout"
        )
    if "cannot start" in first:
        return "the command cannot be run: check its path, cwd and permissions"
    return f"see the logs in {shown(log_dir)}"
