"""A running reference app per test (own database, fake_stripe, web and worker processes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.stack.wallet_stack import WalletStack
from tests.reference_app.running import app_stack


@pytest.fixture
def stack(
    wallet_ledger_db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[WalletStack]:
    """The healthy app. Tests that need defects use ``app_stack(..., defects=(...))`` directly."""
    with app_stack(wallet_ledger_db_url, tmp_path) as running:
        yield running
        if request.node.stash.get(FAILED, False):
            for name in running.logs:
                print(f"--- {name} log ---\n{running.log_text(name)[-6000:]}")


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    if getattr(report, "failed", False):
        item.stash[FAILED] = True
    return report
