"""The whole stack as it runs for real: a migrated, seeded database, fake_stripe, and the
reference app's web process and worker, each a separate process on a free loopback port.

``WalletStack.start()`` brings it up with readiness checks, ``reset()`` returns it to the
seeded state between scenarios (see ``harness/stack/reset.py``), ``stop()`` takes it down.
The harness talks to every part the way a user's CI would: HTTP to the fake's control API and
Stripe API, HTTP to the app, SQL to the database, and the app's own command line.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import stripe

from fake_stripe.client import FakeStripeControl
from harness.polling import poll_until
from harness.ports import free_port
from harness.stack.reset import SeedSnapshot, empty_and_reseed
from harness.stack.services import ServiceFailed, ServiceProcess, log_tail, stop_all

log = logging.getLogger("harness.stack.wallet_stack")

START_TIMEOUT = 30.0  # seconds for each service to answer
WORKER_BEAT_TIMEOUT = 10.0  # seconds for a started worker's first heartbeat
# the fake accepts any test-mode key; the session secret signs the app's login cookies
SECRET_KEY = "sk_test_wallet_harness"  # noqa: S105
SESSION_SECRET = "wallet-harness-session-secret"  # noqa: S105


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
    # False: start() does not wait for the worker's first heartbeat (a worker that never beats)
    await_worker: bool = True


class WalletStack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.database_url = config.database_url
        config.log_dir.mkdir(parents=True, exist_ok=True)
        self.logs = {name: config.log_dir / f"{name}.log" for name in ("fake", "web", "worker")}
        self.fake_url = f"http://127.0.0.1:{free_port()}"
        self.web_url = f"http://127.0.0.1:{free_port()}"
        self.control = FakeStripeControl(self.fake_url, timeout=60)
        self.stripe = stripe.StripeClient(
            SECRET_KEY,
            base_addresses={"api": self.fake_url},
            http_client=stripe.HTTPXClient(allow_sync_methods=True),
            max_network_retries=0,  # the harness reads; a failure is evidence, not a retry
        )
        self.fake = ServiceProcess(
            "fake_stripe", "fake_stripe", self._fake_args(), os.environ, self.logs["fake"]
        )
        env = self._app_env()
        port = self.web_url.rsplit(":", 1)[1]
        self.web = ServiceProcess(
            "web", "reference_app", ["web", "--port", port], env, self.logs["web"]
        )
        self.worker = ServiceProcess(
            "worker", "reference_app", ["worker"], env, self.logs["worker"]
        )
        self.worker_beating = False
        self.last_reset_seconds: float | None = None
        self._snapshot: SeedSnapshot | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> WalletStack:
        """Bring every part up in order; on any failure, stop what started and raise."""
        try:
            with self.connect() as conn:
                self._snapshot = SeedSnapshot.take(conn)
            self.fake.start()
            self.fake.wait_ready(self._fake_answers, START_TIMEOUT, "GET /_control/health")
            self.web.start()
            # the worker needs neither the web process nor its port: it starts meanwhile
            since = self._launch_worker() if self.config.worker else None
            self.web.wait_ready(self._web_answers, START_TIMEOUT, f"GET {self.web_url}/login")
            if since is not None and self.config.await_worker:
                self._await_beat(since)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        stop_all([self.worker, self.web, self.fake])
        self.control.close()

    def __enter__(self) -> WalletStack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def restart_web(self) -> None:
        """Stop the web process and start it again on the same port, as a deploy does."""
        self.web.stop()
        self._start_web()

    # -- between scenarios ---------------------------------------------------------------------

    def reset(self) -> float:
        """Nothing in flight, then the fake reset and the tables back to the seed. Returns the
        seconds it took (also kept in ``last_reset_seconds``)."""
        assert self._snapshot is not None, "start() the stack first"
        started = time.perf_counter()
        if not self.web.running:
            raise ServiceFailed(f"the web app has died:\n{log_tail(self.logs['web'])}")
        self.control.settle(timeout=30)
        worker_running = self.worker.running
        with self.connect() as conn:
            empty_and_reseed(conn, self._snapshot, drain=worker_running)
        self.control.reset()
        if not worker_running:  # a scenario stopped it: the next one starts with one
            self.start_worker()
        self.last_reset_seconds = time.perf_counter() - started
        return self.last_reset_seconds

    # -- the worker, which scenarios stop and start --------------------------------------------

    def start_worker(self, *, await_beat: bool = True) -> None:
        """Start the worker and wait for its first heartbeat. A worker that stays up without
        beating is left running with a warning: the scenarios will show what that costs."""
        since = self._launch_worker()
        if await_beat:
            self._await_beat(since)

    def _launch_worker(self) -> datetime:
        """Start the worker process; returns the database's time just before, which its first
        heartbeat comes after."""
        since = self._database_now()
        self.worker.start()
        self.worker_beating = False
        return since

    def _await_beat(self, since: datetime) -> None:

        def beat() -> bool:
            if not self.worker.running:
                raise ServiceFailed(f"the worker exited:\n{log_tail(self.logs['worker'])}")
            with self.connect() as conn:
                row = conn.execute(
                    "select 1 from worker_heartbeats where beat_at >= %s", (since,)
                ).fetchone()
            return row is not None

        self.worker_beating = bool(poll_until(beat, timeout=WORKER_BEAT_TIMEOUT))
        if not self.worker_beating:
            log.warning(
                "the worker is running but has not beaten within %.0f s", WORKER_BEAT_TIMEOUT
            )

    def stop_worker(self) -> None:
        self.worker.stop()

    def kill_worker(self) -> None:
        self.worker.kill()

    # -- access for drivers --------------------------------------------------------------------

    def api(self, token: str) -> httpx.Client:
        """The app's JSON API as a script holding ``token`` calls it."""
        return httpx.Client(
            base_url=self.web_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.database_url, autocommit=True)

    def log_text(self, name: str) -> str:
        path = self.logs[name]
        return path.read_text(errors="replace") if path.exists() else ""

    def reconcile(self) -> str:
        """Run the app's reconciliation sweep once (``python -m reference_app reconcile``)."""
        done = subprocess.run(
            [sys.executable, "-m", "reference_app", "reconcile"],
            env=self.web.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            output = done.stdout + done.stderr
            raise ServiceFailed(f"reconcile failed ({done.returncode}):\n{output}")
        return done.stdout

    # -- plumbing ------------------------------------------------------------------------------

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

    def _app_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_API_BASE": self.fake_url,
            "PUBLIC_BASE_URL": self.web_url,
            "SESSION_SECRET": SESSION_SECRET,
            "WALLET_DEFECTS": ",".join(self.config.defects),
            "JOB_RETRY_WAIT_SECONDS": "0.5",
            "JOB_MAX_ATTEMPTS": "3",
            "RECONCILE_INTERVAL_SECONDS": "86400",  # scenarios run the sweep when they mean to
            "STRIPE_TIMEOUT_SECONDS": "5",
            **self.config.app_env,
        }

    def _start_web(self) -> None:
        self.web.start()
        self.web.wait_ready(self._web_answers, START_TIMEOUT, f"GET {self.web_url}/login")

    def _fake_answers(self) -> bool:
        try:
            self.control.health()
        except httpx.TransportError:
            return False
        return True

    def _web_answers(self) -> bool:
        try:
            httpx.get(self.web_url + "/login", timeout=1)
        except httpx.TransportError:
            return False
        return True

    def _database_now(self) -> datetime:
        with self.connect() as conn:
            row = conn.execute("select now()").fetchone()
        assert row is not None
        now: datetime = row[0]
        return now
