"""The whole stack as it runs for real: a migrated, seeded database, fake_stripe, and the app's
processes as its profile describes them (``harness/stack/app.py``), each a separate process on
a free loopback port.

``WalletStack.start()`` brings it up with readiness checks, ``reset()`` returns it to the
seeded state between scenarios (the profile's ``[database.reset]``), ``stop()`` takes it down.
Every wait on it checks it is still whole (``check_alive``, ``check_database``, ``watched``): a
process that died, or a database gone, is named at once instead of waited out.
The harness talks to every part the way a user's CI would: HTTP to the fake's control API and
Stripe API, HTTP to the app, SQL to the database, and the app's own commands.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import psycopg
import stripe

from fake_stripe.client import FakeStripeControl
from harness import http_clients
from harness.polling import poll_until
from harness.ports import free_ports
from harness.postgres.server import redact_url, refusal
from harness.profile.loading import LoadedProfile, default_profile
from harness.profile.model import Account
from harness.profile.placeholders import fill
from harness.records.app_records import AppRecords
from harness.records.ledger import LedgerBook
from harness.stack import app
from harness.stack.app_http import AppHttp
from harness.stack.leftovers import sweep_leftover_services
from harness.stack.observer import observer_client
from harness.stack.reset import SeedSnapshot, empty_and_reseed
from harness.stack.services import (
    PortTaken,
    ServiceDied,
    ServiceFailed,
    ServiceLost,
    ServiceProcess,
    log_tail,
    python_module,
    stop_all,
)

log = logging.getLogger("harness.stack.wallet_stack")

START_TIMEOUT = 30.0  # seconds for fake_stripe to answer
PORT_TRIES = 3  # starts on fresh ports when another process took one of ours (``PortTaken``)
# seconds the database may refuse connections before it counts as gone: longer than a restart
# (the nemesis's pg_ctl restart takes a few), short enough to say so within a wait
DATABASE_GRACE = 15.0
DATABASE_CONNECT_TIMEOUT = 5  # seconds for one connection attempt of that check


class DatabaseUnreachable(ServiceLost):
    """The app's database stopped answering after the stack started, and did not come back."""


@dataclass(frozen=True)
class StackConfig:
    database_url: str
    log_dir: Path
    defects: tuple[str, ...] = ()
    seed: int = 0  # the fake's ids and probabilistic faults
    # seconds the fake gives the endpoint per attempt, and the paid page waits for its answer
    delivery_timeout: float = 5.0
    checkout_wait: float = 5.0
    app_env: Mapping[str, str] = field(default_factory=dict)
    worker: bool = True  # False: start() leaves the worker to the caller (start_worker())
    # False: start() does not wait for the worker to be ready (a worker that never starts work)
    await_worker: bool = True
    profile: LoadedProfile = field(default_factory=default_profile)
    # restarts the database server (pg_ctl restart), where the harness owns it
    restart_database: Callable[[], None] | None = None
    # how many processes each named process runs itself ({processes}; 1 where not named)
    processes: Mapping[str, int] = field(default_factory=dict)


class WalletStack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.app_http = AppHttp()  # the harness's requests to the app's own URLs
        self.profile = config.profile
        described = self.profile.app
        self.database_url = config.database_url
        config.log_dir.mkdir(parents=True, exist_ok=True)
        self.logs = {
            name: config.log_dir / f"{name}.log" for name in ("fake", *described.processes)
        }
        self._place()
        self.services: dict[str, ServiceProcess] = {}
        self.worker_beating = False  # the worker passed its readiness check
        # a scenario (or a tool) stopped the worker and has not started it again: a condition it
        # set up, which the diagnosis marks as such instead of blaming the queue for it
        self.worker_stopped_on_purpose = False
        self.last_reset_seconds: float | None = None
        self._snapshot: SeedSnapshot | None = None
        self._database_refused_since: float | None = None  # monotonic; see check_database

    def _place(self) -> None:
        """Free ports for the fake and each app process, and what is named after them: the
        URLs, the clients of the fake, the fake's command and the values the profile fills in."""
        described = self.profile.app
        self.fake_port, *ports = free_ports(1 + len(described.processes))
        self.fake_url = f"http://127.0.0.1:{self.fake_port}"
        self.ports = dict(zip(described.processes, ports, strict=True))
        self.web_url = f"http://127.0.0.1:{self.ports['web']}"
        self.control = FakeStripeControl(self.fake_url, timeout=60)
        self.stripe = observer_client(described.stripe.secret_key, self.fake_url)
        self.fake = ServiceProcess(
            "fake_stripe",
            python_module("fake_stripe", *self._fake_args()),
            os.environ,
            self.logs["fake"],
        )
        self.values = {
            **app.fixed_values(self.profile),
            "database_url": self.database_url,
            "stripe_api_base": self.fake_url,
            "clock_url": f"{self.fake_url}/_control/clock",
            "stripe_secret_key": described.stripe.secret_key,
            "public_url": self.web_url,
            "defects": described.defects.separator.join(self._expanded(self.config.defects)),
            **{f"port:{name}": str(port) for name, port in self.ports.items()},
        }

    def account(self, email: str) -> Account:
        """The app's login for a person the features name (the profile's ``[accounts]``)."""
        accounts = {name.lower(): found for name, found in self.profile.app.accounts.items()}
        if email.lower() not in accounts:
            raise KeyError(
                f"no login {email!r} in {self.profile.path} [accounts];"
                f" known: {', '.join(self.profile.app.accounts) or 'none'}"
            )
        return accounts[email.lower()]

    def api_token(self, email: str) -> str:
        token = self.account(email).api_token
        if token is None:
            raise KeyError(f"{self.profile.path}: accounts.{email!r} has no api_token")
        return token

    @property
    def web(self) -> ServiceProcess:
        return self.services["web"]

    @property
    def worker(self) -> ServiceProcess:
        """The process the scenarios stop and start (``capabilities.worker``)."""
        name = self.profile.app.capabilities.worker
        if name is None:
            raise ServiceFailed(f"{self.profile.path}: names no worker (capabilities.worker)")
        return self.services[name]

    @property
    def ledger(self) -> LedgerBook:
        """The app's ledger, read through its profile's ``[ledger]`` queries."""
        return LedgerBook(self.profile.app.ledger)

    @property
    def records(self) -> AppRecords:
        """The app's own records, read through its profile's ``[capabilities]`` queries."""
        return AppRecords(self.profile.app.capabilities, self)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> WalletStack:
        """Bring every part up in order: fake_stripe, the side services, then the web process
        with the worker starting meanwhile. On any failure, stop what started and raise; where
        another process took a port handed to this stack (``PortTaken``), start again on other
        ports, up to ``PORT_TRIES`` times in all."""
        sweep_leftover_services()  # what a harness run that died left running
        tries = 1
        while True:
            try:
                self.fake.start()
                self.fake.wait_ready(
                    self._fake_answers, START_TIMEOUT, "GET /_control/health", self.fake_port
                )
                self._start_app()
                return self
            except PortTaken as taken:
                self.stop()
                if tries == PORT_TRIES:
                    raise
                tries += 1
                log.warning("%s\nstarting the stack again on other ports", taken)
                self._place()
            except BaseException:
                self.stop()
                raise

    def restart_app(self, defects: tuple[str, ...], database_url: str, log_dir: Path) -> None:
        """The app's processes stopped and started again with other ``defects`` on another
        database (migrated and seeded), the fake kept running but forgetting everything,
        endpoints too: the defect matrix's next run, without a new fake or server."""
        stop_all(list(reversed(self.services.values())))
        self.services = {}
        self.config = replace(self.config, defects=defects, database_url=database_url)
        self.database_url = database_url
        self.values["database_url"] = database_url
        self.values["defects"] = self.profile.app.defects.separator.join(self._expanded(defects))
        log_dir.mkdir(parents=True, exist_ok=True)
        self.logs.update({name: log_dir / f"{name}.log" for name in self.profile.app.processes})
        self.worker_beating = False
        self.worker_stopped_on_purpose = False
        self._database_refused_since = None
        try:
            with self.watched():
                self.control.reset(endpoints=True)
            self._start_app()
        except BaseException:
            self.stop()
            raise

    def _start_app(self) -> None:
        """The app's side, with the fake running: its database checked (and its seed taken,
        for resets), then its processes, the web process's readiness awaited."""
        described = self.profile.app
        worker = described.capabilities.worker
        reset = described.database.reset
        with self.connect() as conn:
            # a ledger query that cannot serve the checks fails here, not in every scenario
            self.ledger.check_columns(conn, str(self.profile.path))
            self.records.check_columns(conn, str(self.profile.path))
            if reset.snapshot is not None:
                self._snapshot = SeedSnapshot.take(conn, reset.snapshot.keep)
        if not described.stripe.registers_endpoint:
            self.values["webhook_secret"] = self._register_endpoint()
        for name in described.processes:
            values = self.values_of(name)
            self.services[name] = app.service(name, self.profile, values, self.logs[name])
            self.services[name].env.update(self.config.app_env)  # a test's own settings
        for name in described.processes:
            if name not in ("web", worker):
                self._start(name)
        self.web.start()
        # the worker needs neither the web process nor its port: it starts meanwhile
        if worker is not None and self.config.worker:
            self.worker.start()
        self._await("web")
        if worker is not None and self.config.worker and self.config.await_worker:
            self._await_worker()

    def stop(self) -> None:
        stop_all([*reversed(self.services.values()), self.fake])
        self.control.close()
        self.app_http.close()

    def __enter__(self) -> WalletStack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def crash_and_restart(self, name: str) -> None:
        """SIGKILL the process mid-work, as a crash does, then start it again (same port) and
        wait until it is ready."""
        self.services[name].kill()
        if name == self.profile.app.capabilities.worker:
            self.start_worker()
        else:
            self._start(name)

    def restart_web(self) -> None:
        """Stop the web process and start it again on the same port, as a deploy does."""
        self.web.stop()
        self._start("web")

    # -- still whole? ---------------------------------------------------------------------------

    def check_alive(self) -> None:
        """``ServiceDied`` naming the first process of the stack that exited though nobody
        stopped it. One stopped or killed on purpose (a scenario's stopped worker, a process
        the nemesis or the runner is restarting) is not counted: cheap enough for every poll."""
        for service in (self.fake, *self.services.values()):
            service.check_alive()

    def check_database(self) -> None:
        """``DatabaseUnreachable`` (its URL, without the password, and the error) once the
        database has refused connections for ``DATABASE_GRACE`` seconds; a restart passes.
        The grace is counted from the first refusal any caller saw, so that several threads
        finding it gone say so together, not one grace after another."""
        last = refusal(self.database_url, DATABASE_CONNECT_TIMEOUT)

        def answers() -> bool:
            nonlocal last
            last = refusal(self.database_url, DATABASE_CONNECT_TIMEOUT)
            return last is None

        if last is None:
            self._database_refused_since = None
            return
        since = self._database_refused_since = self._database_refused_since or time.monotonic()
        left = since + DATABASE_GRACE - time.monotonic()
        if poll_until(answers, timeout=max(0.0, left), interval=0.5):
            self._database_refused_since = None
            return
        raise DatabaseUnreachable(
            f"the app's database at {redact_url(self.database_url)} is unreachable",
            f"no connection for {DATABASE_GRACE:.0f} s; the last error: {last}",
        )

    @contextmanager
    def watched(self) -> Iterator[None]:
        """Inside, an error a broken stack explains is raised as what broke: a control call or
        request cut because the fake or the app died, ``ServiceDied`` naming it; a connection
        refused because the database is gone, ``DatabaseUnreachable``. Otherwise as it was."""
        try:
            yield
        except (httpx.TransportError, stripe.APIConnectionError):
            self.check_alive()
            raise
        except psycopg.OperationalError:
            self.check_alive()
            self.check_database()
            raise

    # -- between scenarios ---------------------------------------------------------------------

    def reset(self) -> float:
        """Nothing in flight, then the fake reset and the app back to the seed (the profile's
        ``[database.reset]``). Returns the seconds it took (also kept in
        ``last_reset_seconds``). A worker that died is replaced, with a warning naming it; any
        other process that died stops the reset (``ServiceDied``)."""
        started = time.perf_counter()
        has_worker = self.profile.app.capabilities.worker is not None
        if has_worker and self.worker.meant_to_run and not self.worker.running:
            # said, not raised: the scenario's own waits failed on it, and the next scenario
            # gets a new worker (below), as after one that stopped it
            log.warning("%s", ServiceDied(self.worker))
            self.worker.stop()
        self.check_alive()
        if not self.web.running:
            raise ServiceFailed(f"the web app has died:\n{log_tail(self.logs['web'])}")
        with self.watched():
            self.control.settle(timeout=30)
            worker_running = has_worker and self.worker.running
            self._reset_app(drain=worker_running)
            self.control.reset()
        if has_worker and not worker_running:  # a scenario stopped it: the next one gets one
            self.start_worker()
        self.last_reset_seconds = time.perf_counter() - started
        return self.last_reset_seconds

    def _reset_app(self, *, drain: bool) -> None:
        reset = self.profile.app.database.reset
        values = self.values_of("web")
        if reset.snapshot is not None:
            assert self._snapshot is not None, "start() the stack first"
            with self.connect() as conn:
                empty_and_reseed(
                    conn, self._snapshot, reset.snapshot, drain=drain, watch=self.check_alive
                )
        elif reset.sql is not None:
            with self.connect() as conn:
                conn.execute(fill(reset.sql, values).encode())
        elif reset.command is not None:
            self.run_command("database.reset.command", reset.command)
        elif reset.url is not None:
            url = fill(reset.url, values)
            answer = http_clients.post(url if "://" in url else self.web_url + url, timeout=30)
            if not answer.is_success:
                raise ServiceFailed(
                    f"database.reset.url: POST {url} answered {answer.status_code}:"
                    f" {answer.text[:500]}"
                )

    # -- the worker, which scenarios stop and start --------------------------------------------

    def start_worker(self, *, await_beat: bool = True) -> None:
        """Start the worker and wait until it is ready. A worker that stays up without getting
        ready is left running with a warning: the scenarios will show what that costs."""
        self.worker.start()
        self.worker_stopped_on_purpose = False
        self.worker_beating = False
        if await_beat:
            self._await_worker()

    def _await_worker(self) -> None:
        try:
            self._await(self.worker.name)
        except ServiceFailed:
            if not self.worker.running:
                raise
            log.warning("the worker is running but is not ready: %s", self.worker.name)
            return
        self.worker_beating = True

    def stop_worker(self) -> None:
        self.worker.stop()
        self.worker_stopped_on_purpose = True

    def kill_worker(self) -> None:
        self.worker.kill()

    # -- access for drivers --------------------------------------------------------------------

    def api(self, token: str) -> httpx.Client:
        """The app's JSON API as a script holding ``token`` calls it."""
        return http_clients.client(
            self.web_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.database_url, autocommit=True)

    def log_text(self, name: str) -> str:
        path = self.logs[name]
        return path.read_text(errors="replace") if path.exists() else ""

    def reconcile(self) -> str:
        """Run the app's reconciliation sweep once (``capabilities.reconcile``)."""
        command = self.profile.app.capabilities.reconcile
        if command is None:
            raise ServiceFailed(f"{self.profile.path}: names no reconcile command")
        return self.run_command("capabilities.reconcile", command)

    def reconcile_may_fail(self, env: dict[str, str] | None = None) -> tuple[int, str]:
        """Run the app's reconciliation sweep once, where the scenario expects it may fail:
        its exit status and everything it printed (standard output, then error). ``env`` adds
        to the web process's environment for this run."""
        command = self.profile.app.capabilities.reconcile
        if command is None:
            raise ServiceFailed(f"{self.profile.path}: names no reconcile command")
        done = self._run_command(command, env)
        return done.returncode, done.stdout + done.stderr

    # -- plumbing ------------------------------------------------------------------------------

    def _start(self, name: str) -> None:
        self.services[name].start()
        self._await(name)

    def values_of(self, name: str) -> dict[str, str]:
        """The placeholders' values for process ``name``: the stack's, and its own port and
        number of processes."""
        own = {"port": str(self.ports[name]), "processes": str(self.config.processes.get(name, 1))}
        return {**self.values, **own}

    def _await(self, name: str) -> None:
        ready = self.profile.app.processes[name].ready
        values = self.values_of(name)
        check, what, port = app.readiness(ready, self.services[name], values, self.app_http)
        own = port if port == self.ports[name] else None  # a look at its own port: whose answer?
        self.services[name].wait_ready(check, ready.timeout, what, own)

    def get_json(self, key: str, path: str, account: str | None = None) -> tuple[int, Any]:
        """GET ``path`` (or a whole URL) on the app, with ``account``'s API token where one is
        named: the status and the JSON (None for a body that is not JSON). ``key`` names the
        profile key asking, for the error when the app does not answer."""
        url = path if "://" in path else self.web_url + path
        headers = {}
        if account is not None:
            headers["Authorization"] = f"Bearer {self.api_token(account)}"
        try:
            answer = self.app_http.get(url, headers)
        except httpx.HTTPError as error:
            raise ServiceFailed(f"{key}: GET {url} got no answer: {error!r}") from None
        try:
            return answer.status_code, answer.json()
        except ValueError:
            return answer.status_code, None

    def run_command(self, key: str, command: list[str]) -> str:
        """One of the app's own commands (``key`` names it in the profile), its placeholders
        filled, with the web process's environment, in the profile's folder: what it printed."""
        done = self._run_command(command)
        if done.returncode != 0:
            output = done.stdout + done.stderr
            raise ServiceFailed(f"{key} failed ({done.returncode}):\n{output}")
        return done.stdout

    def _run_command(
        self, command: list[str], env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        values = self.values_of("web")
        words = [fill(word, values) for word in command]
        extra = {name: fill(value, values) for name, value in (env or {}).items()}
        return subprocess.run(
            words,
            env={**self.web.env, **extra},
            cwd=self.profile.folder,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def _register_endpoint(self) -> str:
        """Where the app does not register its own: the harness does, and passes the secret."""
        described = self.profile.app.stripe
        endpoint = self.stripe.v1.webhook_endpoints.create(
            params={
                "url": self.web_url + described.webhook_path,
                "enabled_events": described.events,  # type: ignore[typeddict-item]
            }
        )
        return endpoint.secret or ""

    def _expanded(self, defects: tuple[str, ...]) -> list[str]:
        """The defect switches asked for, each preset in the profile given as its members."""
        presets = self.profile.app.defects.presets
        return [name for asked in defects for name in presets.get(asked, [asked])]

    def _fake_args(self) -> list[str]:
        config = self.config
        return [
            "--port",
            self.fake_url.rsplit(":", 1)[1],
            "--seed",
            str(config.seed),
            "--delivery-timeout",
            str(config.delivery_timeout),
            "--checkout-wait",
            str(config.checkout_wait),
        ]

    def _fake_answers(self) -> bool:
        try:
            self.control.health()
        except httpx.TransportError:
            return False
        return True
