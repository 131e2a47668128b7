"""Fixtures the harness's own tests share across rooms."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness.pages.tiny_wallet import TinyWallet, tiny_wallet


@pytest.fixture(scope="module")
def wallet() -> Iterator[TinyWallet]:
    """A tiny wallet app on a loopback port whose screen is nothing like the reference app's
    (``tests/harness/pages/tiny_wallet.py``)."""
    with tiny_wallet() as running:
        yield running
