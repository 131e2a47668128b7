"""The job queue's connections to PostgreSQL (``reference_app/job_queue.py``): each of the
queue's statements commits as it runs, with no BEGIN and COMMIT around it, and the worker's
LISTEN connection still opens beside the pool and hears the queue's notifications."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Any

import procrastinate
import psycopg
from psycopg import pq

from reference_app.job_queue import build_queue
from reference_app.settings import AppSettings
from tests.reference_app.running import run_on_own_loop

LISTEN_WAIT_SECONDS = 10.0


def _queue(database_url: str) -> procrastinate.App:
    settings = AppSettings(
        database_url=database_url, stripe_secret_key="sk_test_unused", session_secret="s"
    )
    return build_queue(settings)


def test_the_queues_statements_commit_as_they_run(wallet_ledger_db_url: str) -> None:
    async def states() -> tuple[bool, pq.TransactionStatus]:
        queue = _queue(wallet_ledger_db_url)
        async with queue.open_async():
            connector: Any = queue.connector
            async with connector.pool.connection() as conn:
                await conn.execute("select count(*) from procrastinate_jobs")
                # a connection outside autocommit would be inside the transaction that
                # query began, until the pool's COMMIT on its return
                return conn.autocommit, conn.info.transaction_status

    autocommit, status = run_on_own_loop(states())
    assert autocommit is True
    assert status == pq.TransactionStatus.IDLE


def test_the_workers_listen_connection_hears_the_queue(wallet_ledger_db_url: str) -> None:
    heard: list[str] = []

    async def listen_then_notify() -> None:
        queue = _queue(wallet_ledger_db_url)
        async with queue.open_async():
            connector: Any = queue.connector
            arrived = asyncio.Event()

            async def on_notification(*, channel: str, payload: str) -> None:
                heard.append(payload)
                arrived.set()

            channel = "wallet_test_queue"
            listening = asyncio.create_task(
                connector.listen_notify(on_notification=on_notification, channels=[channel])
            )
            try:
                async with await psycopg.AsyncConnection.connect(
                    wallet_ledger_db_url, autocommit=True
                ) as other:
                    # the LISTEN may not be in place yet: notify until it is heard
                    async with asyncio.timeout(LISTEN_WAIT_SECONDS):
                        while not arrived.is_set():
                            await other.execute("select pg_notify(%s, 'ping')", (channel,))
                            with suppress(TimeoutError):
                                await asyncio.wait_for(arrived.wait(), 0.2)
            finally:
                listening.cancel()
                with suppress(asyncio.CancelledError):
                    await listening  # a listener that failed to open raises here, saying why

    run_on_own_loop(listen_then_notify())
    assert "ping" in heard
