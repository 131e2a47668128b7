"""pytest plugin: a PostgreSQL server per test session and a fresh database per test.

Registered through the ``pytest11`` entry point ``wallet_harness``, so it loads in every pytest
run where the package is installed: importing it must stay cheap, hence the harness imports
inside the fixtures. Under pytest-xdist each worker process gets its own server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from harness.postgres import PostgresServer


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wallet-harness", "wallet harness: PostgreSQL provisioning")
    group.addoption(
        "--wallet-db-url",
        dest="wallet_db_url",
        default=None,
        metavar="URL",
        help=(
            "libpq URL of a PostgreSQL server with CREATEDB rights to create test databases on "
            "(default: env WALLET_TEST_DATABASE_URL; without either, a Docker engine or the local "
            "server binaries provide a throwaway server)"
        ),
    )


@pytest.fixture(scope="session")
def wallet_postgres(request: pytest.FixtureRequest) -> Iterator[PostgresServer]:
    """A running server for the session (one per xdist worker)."""
    from harness.postgres import postgres_server

    explicit_url: str | None = request.config.getoption("wallet_db_url")
    with postgres_server(explicit_url) as server:
        yield server


@pytest.fixture
def wallet_db_url(wallet_postgres: PostgresServer) -> Iterator[str]:
    """URL of a fresh, empty database, dropped after the test."""
    from harness.postgres import fresh_database

    with fresh_database(wallet_postgres) as url:
        yield url


@pytest.fixture(scope="session")
def wallet_schema_template(wallet_postgres: PostgresServer) -> Iterator[str]:
    """Name of a database migrated and seeded by the app's own command, to copy from."""
    from harness.schema_template import schema_template

    with schema_template(wallet_postgres) as name:
        yield name


@pytest.fixture
def wallet_ledger_db_url(
    wallet_postgres: PostgresServer, wallet_schema_template: str
) -> Iterator[str]:
    """URL of a fresh database holding the app's schema and seed organisations."""
    from harness.postgres import fresh_database

    with fresh_database(wallet_postgres, template=wallet_schema_template) as url:
        yield url
