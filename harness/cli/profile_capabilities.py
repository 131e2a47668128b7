"""The optional parts of a profile, each asked once on the running app by ``wallet-harness
profile check``: the top-up API starts a top-up, the reconciliation command runs, the worker
stops and starts again, each query runs, the queue probe counts, the recent failures and the
billing gates answer, the log files exist, the wallet functions exist, support's credit command
credits, and the debt limit and new-organisation statements run (rolled back). A part the
profile does not set is listed with what it would enable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import psycopg

from harness import http_clients
from harness.cli.profile_findings import CheckFailed, last_lines, short_id
from harness.drivers.ledger import LedgerDriver
from harness.drivers.ops_view import ADMIN, OpsView
from harness.drivers.wallet_api import WalletApi
from harness.profile.placeholders import sql_with_values
from harness.simulation.orgs import create_orgs, simulation_orgs
from harness.stack.services import ServiceFailed

if TYPE_CHECKING:
    from harness.profile.model import Account
    from harness.stack.wallet_stack import WalletStack

# what each capability enables (docs/app-profile.md [capabilities]), in the profile's order
ENABLES = {
    "topup_api": "simulate and the API scenarios",
    "reconcile": "the sweep scenarios, and simulate's rescue phase",
    "worker": "the worker scenarios (stop, kill and start it)",
    "fulfilment": "which path credited a top-up (diagnosis, fulfilled-by scenarios)",
    "events_sql": "the queue and job stages of the diagnosis, the queue scenarios",
    "jobs_sql": "the queue and job stages of the diagnosis, the queue scenarios",
    "rejections_sql": "the reasons the webhook endpoint refused deliveries",
    "heartbeat_sql": "whether anything works the queue",
    "queue_probe": "waiting until the queue is empty after each step",
    "failures_url": "the recent-failures scenarios",
    "billing_api": "the billing scenarios",
    "logs": "the app's own log files in a failed scenario's artifacts",
    "ledger_functions": "the ledger features that call the wallet functions",
    "manual_credit": "the terminal-credit scenarios",
    "debt_limit_sql": "the ledger features' debt limit",
    "create_org_sql": "simulate --orgs N beyond the accounts",
}
QUERIES = ("events_sql", "jobs_sql", "rejections_sql", "heartbeat_sql")
UNKNOWN_SESSION = "cs_test_profile_check_unknown"  # a Checkout Session no app has seen
WALLET_FUNCTIONS = ("add_wallet_credits", "deduct_wallet_credits")
Probe = Callable[[], str]


class Capabilities:
    """The probes for ``stack``'s profile, by key."""

    def __init__(self, stack: WalletStack) -> None:
        self.stack = stack
        self.app = stack.profile.app
        self.capabilities = self.app.capabilities

    def is_set(self, key: str) -> bool:
        return bool(getattr(self.capabilities, key))

    def probe(self, key: str) -> Probe:
        if key in QUERIES:
            return lambda: self.query(key)
        probe: Probe = getattr(self, key)
        return probe

    # -- each capability -----------------------------------------------------------------------

    def topup_api(self) -> str:
        api = self.capabilities.topup_api
        assert api is not None
        email, account = self._with_token()
        client = WalletApi(self.stack.web_url, str(account.api_token), api)
        try:
            answer = client.start_top_up(5000)
            session_id = client.session_id(answer)
            if not 200 <= answer.status_code < 300 or session_id is None:
                raise CheckFailed(
                    f"{api.method} {api.path} as {email} answered {answer.status_code} with"
                    f" no session id at {api.session_id!r}: {str(answer.body)[:200]}",
                    "topup_api.path, method and json_body must be what the app takes, and"
                    " session_id where its answer holds the Checkout Session id",
                )
            said = (
                f"{api.method} {api.path} as {email} answered {answer.status_code}"
                f" ({short_id(session_id)})"
            )
            if api.status_path is not None:
                status = client.check_top_up(session_id)
                if not 200 <= status.status_code < 300:
                    raise CheckFailed(
                        f"{said}; GET {api.status_path} answered {status.status_code}",
                        "topup_api.status_path must be what the landing page asks",
                    )
                said += f"; its status path answered {status.status_code}"
        finally:
            client.close()
        return said

    def reconcile(self) -> str:
        try:
            self.stack.reconcile()
        except ServiceFailed as error:
            lines = str(error).splitlines()
            raise CheckFailed(
                lines[0], "run the command by hand and read why", lines[-8:]
            ) from None
        return "the command exited 0"

    def worker(self) -> str:
        stack = self.stack
        stack.stop_worker()
        if stack.worker.running:
            raise CheckFailed("it still runs after stop", "the worker must stop on its signal")
        stack.start_worker()
        if not stack.worker_beating:
            raise CheckFailed(
                "it started again but did not become ready",
                f"check processes.{stack.worker.name}.ready",
                last_lines(stack.worker.output(), 6),
            )
        return f"{stack.worker.name} stopped, started again and was ready"

    def query(self, key: str) -> str:
        records = self.stack.records
        reads: dict[str, Callable[[psycopg.Connection[Any]], object]] = {
            "events_sql": lambda conn: records.failed_inbox_events(conn),
            "jobs_sql": lambda conn: records.jobs_for_events(conn, ["evt_profile_check"]),
            "rejections_sql": lambda conn: records.rejections(conn),
            "heartbeat_sql": lambda conn: records.last_heartbeat_age(conn),
        }
        with self.stack.connect() as conn:
            found = reads[key](conn)
        if key == "heartbeat_sql":
            return "never" if found is None else f"the worker showed life {found:.1f} s ago"
        return "the query runs"

    def fulfilment(self) -> str:
        fulfilment = self.capabilities.fulfilment
        assert fulfilment is not None
        records = self.stack.records
        with self.stack.connect() as conn:
            if fulfilment.sql is not None:
                paths = records.fulfilment_paths(conn)
                return f"the query runs ({len(paths)} credited top-up(s) so far)"
            found = records.topup(conn, UNKNOWN_SESSION)
        if found is not None:
            raise CheckFailed(
                f"it shows a top-up for {UNKNOWN_SESSION}, a session the app never saw",
                "answer 404 for a Checkout Session the app has no record of",
            )
        return f"GET {fulfilment.url} answers 404 for a session the app never saw"

    def queue_probe(self) -> str:
        with self.stack.connect() as conn:
            waiting, failed = self.stack.records.queue_counts(conn)
        return f"{waiting} waiting, {failed} failed"

    def failures_url(self) -> str:
        path = str(self.capabilities.failures_url)
        accounts = self.app.accounts
        email = ADMIN if ADMIN in accounts else next(iter(accounts), None)
        if email is None:
            raise CheckFailed("no account to log in with", "add an admin to [accounts]")
        view = OpsView(self.stack.web_url, accounts[email], self.app.screen, path)
        try:
            failures = view.recent_failures()
        finally:
            view.close()
        return f"GET {path} as {email}: {len(failures)} recent failure(s)"

    def billing_api(self) -> str:
        base = str(self.capabilities.billing_api).rstrip("/")
        email, account = self._with_token()
        answer = http_clients.post(
            f"{self.stack.web_url}{base}/sms",
            json={"to": "+447700900000", "body": "profile check"},
            headers={"Authorization": f"Bearer {account.api_token}"},
            timeout=30,
        )
        try:
            body = answer.json()
        except ValueError:
            body = None
        refused = 400 <= answer.status_code < 500 and isinstance(body, dict) and "error" in body
        if not (answer.is_success or refused) or answer.status_code in (404, 405):
            raise CheckFailed(
                f"POST {base}/sms as {email} answered {answer.status_code}: {answer.text[:200]}",
                "billing_api must be the base path of the gates: 2xx with what was charged,"
                " 4xx with JSON error",
            )
        return f"POST {base}/sms as {email} answered {answer.status_code}"

    def logs(self) -> str:
        folder = self.stack.profile.folder
        absent = [name for name in self.capabilities.logs if not (folder / name).exists()]
        if absent:
            raise CheckFailed(
                f"no such file after start-up: {', '.join(absent)}",
                "give each log file's path relative to the profile's folder",
            )
        return f"{len(self.capabilities.logs)} file(s) there"

    def ledger_functions(self) -> str:
        with self.stack.connect() as conn:
            rows = conn.execute(
                "select distinct proname from pg_proc where proname = any(%s)",
                (list(WALLET_FUNCTIONS),),
            ).fetchall()
        missing = sorted(set(WALLET_FUNCTIONS) - {str(row[0]) for row in rows})
        if missing:
            raise CheckFailed(
                f"the database has no {', '.join(missing)}",
                "set ledger_functions only where the app has the report's wallet functions",
            )
        return f"{' and '.join(WALLET_FUNCTIONS)} exist"

    def manual_credit(self) -> str:
        email, account = next(iter(self.app.accounts.items()))
        ledger = LedgerDriver(self.stack.database_url, self.stack.profile)
        try:
            before = ledger.balance_pence(email)
            done = ledger.terminal_credit(account.org_id, 1, "profile check")
            after = ledger.balance_pence(email)
        finally:
            ledger.close()
        if done.returncode != 0:
            raise CheckFailed(
                f"crediting 1p to {account.org_id} exited {done.returncode}",
                "run the command by hand and read why",
                last_lines(done.stdout + done.stderr, 8),
            )
        if after != before + 1:
            raise CheckFailed(
                f"it exited 0 but the ledger's balance went from {before} to {after} pence",
                "the command must credit {amount_pence} pence to {org_id}",
            )
        return f"credited 1p to {account.org_id}; the ledger shows it"

    def debt_limit_sql(self) -> str:
        account = next(iter(self.app.accounts.values()))
        statement = str(self.capabilities.debt_limit_sql)
        query, params = sql_with_values(statement, {"org_id": account.org_id, "amount_pence": 0})
        with self.stack.connect() as conn, conn.transaction(force_rollback=True):
            conn.execute(query.encode(), params)
        return "the statement runs (rolled back)"

    def create_org_sql(self) -> str:
        [org] = simulation_orgs(0, 1, self.app)
        with self.stack.connect() as conn, conn.transaction(force_rollback=True):
            create_orgs(conn, [org], self.app)
            if org.org_id not in self.stack.ledger.balances(conn):
                raise CheckFailed(
                    f"the new organisation {org.org_id} has no balance in ledger.balances_sql",
                    "the statements must make an organisation with a wallet",
                )
        return "the statements make an organisation with a wallet (rolled back)"

    # -- plumbing ------------------------------------------------------------------------------

    def _with_token(self) -> tuple[str, Account]:
        for email, account in self.app.accounts.items():
            if account.api_token:
                return email, account
        raise CheckFailed("no account in [accounts] has an api_token", "give one its api_token")
