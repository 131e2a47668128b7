"""The reference app as it runs for real: its own database, fake_stripe in this process, and
``python -m reference_app web`` and ``worker`` as separate processes on free loopback ports.

Tests get an ``AppStack`` (URLs, the control client, an SDK client on the fake, a database
connection, log files) and stop it at the end; logs are printed when a test fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import stripe

from fake_stripe.client import FakeStripeControl
from fake_stripe.server import FakeStripeServer
from fake_stripe.service import Settings
from harness.polling import poll_until
from harness.ports import free_port

READY_TIMEOUT = 30.0
DEMO_TOKEN = "wallet_demo_token_test"
OTHER_TOKEN = "wallet_demo_token_other"


@dataclass
class AppStack:
    database_url: str
    web_url: str
    fake: FakeStripeServer
    control: FakeStripeControl
    stripe: stripe.StripeClient
    logs: dict[str, Path]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def api(self, token: str = DEMO_TOKEN) -> httpx.Client:
        return httpx.Client(
            base_url=self.web_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.database_url, autocommit=True)

    def log_text(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")


@contextmanager
def app_stack(
    database_url: str,
    log_dir: Path,
    *,
    defects: tuple[str, ...] = (),
    worker: bool = True,
    wait_for_worker: bool = True,
    env: dict[str, str] | None = None,
    fake_settings: Settings | None = None,
    fake: FakeStripeServer | None = None,
    port: int | None = None,
) -> Iterator[AppStack]:
    """``fake`` and ``port``: reuse a running fake and the same public URL (a restart)."""
    own_fake = fake is None
    if fake is None:
        fake = FakeStripeServer(fake_settings or Settings(delivery_timeout=5.0, checkout_wait=10.0))
        fake.start()
    port = port or free_port()
    web_url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STRIPE_SECRET_KEY": "sk_test_reference_app",
        "STRIPE_API_BASE": fake.base_url,
        "PUBLIC_BASE_URL": web_url,
        "SESSION_SECRET": "test-session-secret",
        "WALLET_DEFECTS": ",".join(defects),
        "JOB_RETRY_WAIT_SECONDS": "1",
        "JOB_MAX_ATTEMPTS": "3",
        "RECONCILE_INTERVAL_SECONDS": "3600",
        "STRIPE_TIMEOUT_SECONDS": "5",
        **(env or {}),
    }
    logs = {name: log_dir / f"{name}.log" for name in ("web", "worker")}
    stack = AppStack(
        database_url=database_url,
        web_url=web_url,
        fake=fake,
        control=FakeStripeControl(fake.base_url),
        stripe=stripe.StripeClient(
            "sk_test_reference_app",
            base_addresses={"api": fake.base_url},
            http_client=stripe.HTTPXClient(allow_sync_methods=True),
            max_network_retries=0,
        ),
        logs=logs,
    )
    try:
        stack.processes["web"] = _spawn(["web", "--port", str(port)], environment, logs["web"])
        _wait_until_up(web_url, stack.processes["web"], logs["web"])
        if worker:
            stack.processes["worker"] = _spawn(["worker"], environment, logs["worker"])
            if wait_for_worker:  # False: a worker that never beats (worker-not-started)
                _wait_for_heartbeat(stack)
        yield stack
    finally:
        for process in stack.processes.values():
            process.terminate()
        for process in stack.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        stack.control.close()
        if own_fake:
            fake.stop()


def _wait_for_heartbeat(stack: AppStack) -> None:
    """The worker beats as soon as it runs: wait for its first beat."""

    def beat() -> bool:
        if stack.processes["worker"].poll() is not None:
            raise RuntimeError(f"the worker exited at start-up:\n{stack.log_text('worker')}")
        with stack.connect() as conn:
            return conn.execute("select 1 from worker_heartbeats").fetchone() is not None

    if not poll_until(beat, timeout=READY_TIMEOUT):
        raise RuntimeError(f"the worker did not start:\n{stack.log_text('worker')}")


def topup_status(stack: AppStack, session_id: str) -> tuple[str, str | None] | None:
    with stack.connect() as conn:
        row = conn.execute(
            "select status, fulfilled_by from topups where checkout_session_id = %s",
            (session_id,),
        ).fetchone()
    return None if row is None else (row[0], row[1])


def wait_for_topup(
    stack: AppStack, session_id: str, status: str, timeout: float = 20.0
) -> tuple[str, str | None] | None:
    """Read the app's record until the top-up reaches ``status``; return where it got to."""

    def reached() -> tuple[str, str | None] | None:
        current = topup_status(stack, session_id)
        return current if current is not None and current[0] == status else None

    return poll_until(reached, timeout=timeout) or topup_status(stack, session_id)


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "reference_app", *args], env=env, stdout=out, stderr=out
        )


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Real start-up of a real process: wait until its port answers."""

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the web app exited at start-up:\n{log.read_text()}")
        try:
            httpx.get(url + "/api/wallet/topups/none", timeout=1)
        except httpx.TransportError:
            return False
        return True

    if poll_until(answers, timeout=READY_TIMEOUT):
        return
    raise RuntimeError(f"the web app did not answer within {READY_TIMEOUT} s:\n{log.read_text()}")
