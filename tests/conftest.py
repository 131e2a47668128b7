"""Shared fixtures of the unit and integration tests.

The databases come from the harness plugin (harness/plugin/entry.py): ``wallet_db_url`` is
empty, ``wallet_ledger_db_url`` holds the schema and the seed organisations.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

# inner pytest sessions, for the tests of the pytest plugin (tests/harness/plugin)
pytest_plugins = ["pytester"]


@pytest.fixture
def conn(wallet_ledger_db_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(wallet_ledger_db_url, autocommit=True) as connection:
        yield connection


@pytest.fixture
def tmp_root() -> Iterator[Path]:
    """A temporary root for a harness run of the test's own (its ``TMPDIR``), so that what the
    run leaves is told apart from other workers': short, for the Unix sockets Chromium and
    PostgreSQL put there, and outside pytest's 0700 ``tmp_path``, as the PostgreSQL server,
    run as its own user, must reach its cluster there."""
    root = Path(tempfile.mkdtemp(prefix="wh-run-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)
