"""The reference app as these tests run it: the harness's one ``WalletStack`` (its own fake_stripe,
web and worker processes on free loopback ports) on the test's database, with the tests' settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from harness.stack.wallet_stack import StackConfig, WalletStack

T = TypeVar("T")


@contextmanager
def app_stack(
    database_url: str,
    log_dir: Path,
    *,
    defects: tuple[str, ...] = (),
    worker: bool = True,
    await_worker: bool = True,
    env: Mapping[str, str] | None = None,
    delivery_timeout: float = 5.0,
    checkout_wait: float = 10.0,
) -> Iterator[WalletStack]:
    config = StackConfig(
        database_url,
        log_dir,
        defects=defects,
        delivery_timeout=delivery_timeout,
        checkout_wait=checkout_wait,
        app_env=dict(env or {}),
        worker=worker,
        await_worker=await_worker,
    )
    with WalletStack(config) as stack:
        yield stack


def run_on_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a thread of its own: Playwright's sync API (pytest-playwright's session
    fixture) may hold this thread's event loop when browser tests ran earlier in the process."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
