"""The reference app as these tests run it: the harness's one ``WalletStack`` (its own fake_stripe,
web and worker processes on free loopback ports) on the test's database, with the tests' settings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from harness.stack.wallet_stack import StackConfig, WalletStack


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
