"""Shared fixtures of the unit and integration tests.

The databases come from the harness plugin (harness/plugin/entry.py): ``wallet_db_url`` is
empty, ``wallet_ledger_db_url`` holds the schema and the seed organisations.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

# inner pytest sessions, for the tests of the pytest plugin (tests/harness/plugin)
pytest_plugins = ["pytester"]


@pytest.fixture
def conn(wallet_ledger_db_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(wallet_ledger_db_url, autocommit=True) as connection:
        yield connection
