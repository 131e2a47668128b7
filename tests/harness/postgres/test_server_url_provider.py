"""The explicit-URL path for real: a server that is not ours, played by a local cluster.

The provider must create and drop only its own uniquely named databases on it and must never
stop it. The pytest plugin's option and fixtures are exercised in a child pytest run.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from harness.postgres.local_cluster import LocalCluster, find_postgres_bindir, local_cluster
from harness.postgres.server import (
    DATABASE_URL_ENV,
    ServerUrlProvider,
    ServerUrlUnreachable,
    fresh_database,
    postgres_server,
    provision_database,
    select_provider,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_postgres_bindir() is None and not os.environ.get("CI"),
        reason="no PostgreSQL server binaries (never skipped in CI, where they must exist)",
    ),
]


@pytest.fixture(scope="module")
def foreign_server() -> Iterator[LocalCluster]:
    """A server the provider must treat as someone else's."""
    with local_cluster() as cluster:
        yield cluster


@pytest.fixture(autouse=True)
def no_database_url_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)


def database_names(admin_url: str) -> set[str]:
    with psycopg.connect(admin_url) as connection:
        rows = connection.execute("SELECT datname FROM pg_database").fetchall()
    return {row[0] for row in rows}


def still_running(cluster: LocalCluster) -> bool:
    with psycopg.connect(cluster.admin_url, connect_timeout=5) as connection:
        row = connection.execute("SELECT 1").fetchone()
    return row == (1,)


def test_explicit_url_creates_and_drops_its_own_databases(
    foreign_server: LocalCluster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="harness.postgres.server")
    before = database_names(foreign_server.admin_url)

    with postgres_server(foreign_server.admin_url) as server:
        assert server.kind == "server-url"
        assert server.admin_url == foreign_server.admin_url
        url = server.create_database()
        name = conninfo_to_dict(url)["dbname"]
        assert isinstance(name, str)
        assert name.startswith(f"wallet_test_{os.getpid()}_")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CREATE TABLE ledger (id int)")
        assert name in database_names(foreign_server.admin_url)
        server.drop_database(url)
        assert name not in database_names(foreign_server.admin_url)

    assert database_names(foreign_server.admin_url) == before
    assert still_running(foreign_server)
    assert "PostgreSQL provider: server-url" in caplog.text


def test_databases_left_undropped_are_dropped_but_the_server_keeps_running(
    foreign_server: LocalCluster,
) -> None:
    before = database_names(foreign_server.admin_url)

    with postgres_server(foreign_server.admin_url) as server:
        server.create_database(prefix="forgotten")
        server.create_database(prefix="forgotten")
        assert len(database_names(foreign_server.admin_url) - before) == 2

    assert database_names(foreign_server.admin_url) == before
    assert still_running(foreign_server)


def test_url_from_environment_is_used(
    foreign_server: LocalCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, foreign_server.admin_url)

    assert isinstance(select_provider(None), ServerUrlProvider)
    with provision_database() as url:
        with psycopg.connect(url) as connection:
            row = connection.execute("SELECT current_database()").fetchone()
        assert row is not None
        name = row[0]
        assert name in database_names(foreign_server.admin_url)

    assert name not in database_names(foreign_server.admin_url)
    assert still_running(foreign_server)


def test_key_value_connection_string_works(foreign_server: LocalCluster) -> None:
    dsn = make_conninfo(
        host="127.0.0.1", port=foreign_server.port, user="postgres", dbname="postgres"
    )

    with postgres_server(dsn) as server, fresh_database(server) as url:
        assert not url.startswith("postgresql://")
        with psycopg.connect(url) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)


def test_fresh_database_from_a_template(foreign_server: LocalCluster) -> None:
    with postgres_server(foreign_server.admin_url) as server:
        template_url = server.create_database(prefix="wallet_template")
        with psycopg.connect(template_url, autocommit=True) as connection:
            connection.execute("CREATE TABLE wallets (id int)")
        template = conninfo_to_dict(template_url)["dbname"]
        assert isinstance(template, str)

        with fresh_database(server, template=template) as url, psycopg.connect(url) as connection:
            row = connection.execute("SELECT to_regclass('wallets') IS NOT NULL").fetchone()
            assert row == (True,)


def test_refuses_to_drop_a_database_it_did_not_create(foreign_server: LocalCluster) -> None:
    with (
        postgres_server(foreign_server.admin_url) as server,
        pytest.raises(ValueError, match="not created by this PostgresServer"),
    ):
        server.drop_database(foreign_server.admin_url)

    assert "postgres" in database_names(foreign_server.admin_url)


def test_unreachable_url_fails_clearly_without_leaking_the_password() -> None:
    with socket_free_port() as port:
        url = f"postgresql://app:hunter2@127.0.0.1:{port}/postgres"

    with pytest.raises(ServerUrlUnreachable) as raised, postgres_server(url):
        pass

    assert f"127.0.0.1:{port}" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_an_environment_url_libpq_cannot_read_is_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The options are checked when read; the environment's URL is checked at the start. It
    was libpq's message, which repeats the whole string."""
    monkeypatch.setenv(DATABASE_URL_ENV, "mysql://app:hunter2@db/wallet")

    with pytest.raises(ServerUrlUnreachable) as raised, postgres_server():
        pass

    message = str(raised.value)
    assert message.startswith(f"cannot use the server URL ({DATABASE_URL_ENV} is set): a Postg")
    assert "hunter2" not in message


class socket_free_port:  # noqa: N801 - reads as a context manager call
    """A loopback port that nothing listens on once the block exits."""

    def __enter__(self) -> int:
        import socket

        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        port: int = self._socket.getsockname()[1]
        return port

    def __exit__(self, *exc_info: object) -> None:
        self._socket.close()


def test_pytest_plugin_fixtures_with_the_option(
    foreign_server: LocalCluster, tmp_path: Path
) -> None:
    (tmp_path / "test_uses_plugin.py").write_text(
        textwrap.dedent(
            """
            import psycopg

            def test_gets_a_fresh_database(wallet_postgres, wallet_db_url):
                assert wallet_postgres.kind == "server-url"
                with psycopg.connect(wallet_db_url) as connection:
                    name = connection.execute("SELECT current_database()").fetchone()[0]
                    tables = connection.execute(
                        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                    ).fetchone()[0]
                assert name.startswith("wallet_test_")
                assert tables == 0
            """
        )
    )
    before = database_names(foreign_server.admin_url)
    env = {key: value for key, value in os.environ.items() if key != DATABASE_URL_ENV}

    result = child_pytest(tmp_path / "test_uses_plugin.py", foreign_server.admin_url, env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert database_names(foreign_server.admin_url) == before
    assert still_running(foreign_server)


def test_pytest_plugin_documents_the_option() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    help_text = " ".join(result.stdout.split())  # undo the help formatter's line wrapping
    assert "wallet harness: --wallet-db-url=URL" in help_text
    assert f"env {DATABASE_URL_ENV}" in help_text
    for option in ("--app-defects=NAMES", "--keep-stack-logs", "--chromium=PATH"):
        assert option in help_text, option  # the BDD suite's options, in the same group


def test_pytest_plugin_refuses_a_url_libpq_cannot_read_before_any_test(tmp_path: Path) -> None:
    (tmp_path / "test_never_runs.py").write_text("def test_x(wallet_db_url):\n    pass\n")

    result = child_pytest(tmp_path / "test_never_runs.py", "mysql://app:hunter2@db/x")

    assert result.returncode == 4, result.stdout + result.stderr  # pytest's usage error
    assert "argument --wallet-db-url: a PostgreSQL URL starts postgresql://" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr


def child_pytest(
    test_file: Path, server_url: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``pytest -q --wallet-db-url=SERVER_URL TEST_FILE`` in a child process, in its folder."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--wallet-db-url={server_url}",
            str(test_file),
        ],
        capture_output=True,
        text=True,
        cwd=test_file.parent,
        env=env,
        timeout=120,
        check=False,
    )
