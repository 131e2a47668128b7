"""The connection a wait polls the queue through (``harness.scenario.PolledConnection``): one
for all of a wait's polls, opened again when the database ended it under the wait (a restart),
closed with the wait; against the test's own PostgreSQL."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from harness.scenario import PolledConnection
from tests.backends import end_backend


class Stack:
    """What ``PolledConnection`` asks of the stack: connections to its database, counted."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opened: list[psycopg.Connection[Any]] = []

    def connect(self) -> psycopg.Connection[Any]:
        self.opened.append(psycopg.connect(self.url, autocommit=True))
        return self.opened[-1]


def backend(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("select pg_backend_pid()").fetchone()
    assert row is not None
    return int(row[0])


def test_polls_share_one_connection_and_a_lost_one_is_opened_again(
    wallet_ledger_db_url: str,
) -> None:
    stack = Stack(wallet_ledger_db_url)
    with (
        psycopg.connect(wallet_ledger_db_url, autocommit=True) as admin,
        PolledConnection(stack) as polled,  # type: ignore[arg-type]
    ):
        first = [polled.run(backend) for _ in range(5)]
        assert (len(set(first)), len(stack.opened)) == (1, 1)
        end_backend(admin, first[0])
        again = polled.run(backend)
        assert (again != first[0], len(stack.opened)) == (True, 2)
    assert all(conn.closed for conn in stack.opened)


def test_a_database_that_refuses_a_new_connection_fails_the_poll(
    wallet_ledger_db_url: str,
) -> None:
    """Lost once and refused when opened again: the poll raises, as a refused connection did
    before the polls shared one (the wait's ``watched`` names a database gone)."""
    stack = Stack(wallet_ledger_db_url)
    with (
        psycopg.connect(wallet_ledger_db_url, autocommit=True) as admin,
        PolledConnection(stack) as polled,  # type: ignore[arg-type]
    ):
        end_backend(admin, polled.run(backend))
        stack.url = wallet_ledger_db_url.replace("://", "://nobody-here@", 1)
        with pytest.raises(psycopg.OperationalError):
            polled.run(backend)
