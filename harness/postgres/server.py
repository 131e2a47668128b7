"""PostgreSQL anywhere: one call gives the tests a server to create databases on.

Selection order (the choice is logged at INFO on ``harness.postgres.server``):

1. an explicit server URL (``--wallet-db-url`` / ``WALLET_TEST_DATABASE_URL``): we only create
   and drop our own uniquely named databases on it, never stop it;
2. a reachable Docker engine: testcontainers' ``PostgresContainer`` (postgres:15);
3. local server binaries: a throwaway cluster (``harness.postgres.local_cluster``);
4. none of these: ``NoPostgresAvailable``, naming the three fixes.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from harness.polling import poll_until
from harness.postgres.docker_probe import find_docker_engine
from harness.postgres.local_cluster import (
    MAX_CONNECTIONS,
    THROWAWAY_SETTINGS,
    find_postgres_bindir,
    local_cluster,
    restart_server,
)
from harness.postgres.termination import sigterm_unwinds

logger = logging.getLogger("harness.postgres.server")

DATABASE_URL_ENV = "WALLET_TEST_DATABASE_URL"
DOCKER_IMAGE = "postgres:15"
CONNECT_TIMEOUT_SECONDS = 10
ProviderKind = Literal["server-url", "docker", "local-binaries"]
_PREFIX_PATTERN = re.compile(r"[a-z_][a-z0-9_]*")
_MAX_IDENTIFIER_BYTES = 63
_REDACTED = "***"


class NoPostgresAvailable(RuntimeError):
    """No way to get a PostgreSQL server on this machine; the message says how to fix it."""

    def __init__(self) -> None:
        super().__init__(
            "No PostgreSQL server available for the wallet tests. Fix it in one of three ways:\n"
            "  1. use a server you already run: pass --wallet-db-url=postgresql://USER:PASS@HOST"
            f":5432/postgres or set {DATABASE_URL_ENV} (the user needs CREATEDB);\n"
            "  2. start a Docker engine (dockerd, Docker Desktop, colima) so testcontainers can "
            f"run {DOCKER_IMAGE}; none answered on DOCKER_HOST or the usual sockets;\n"
            "  3. install the PostgreSQL server (apt-get install postgresql, "
            "brew install postgresql@15) or set WALLET_PG_BINDIR to the directory holding "
            "initdb, pg_ctl and postgres."
        )


class ServerUrlUnreachable(RuntimeError):
    """The explicitly given server URL does not accept connections."""


class PostgresServer:
    """A running server we may create databases on."""

    def __init__(
        self, kind: ProviderKind, admin_url: str, restart: Callable[[], None] | None = None
    ) -> None:
        self.kind: ProviderKind = kind
        self.admin_url = admin_url  # a URL with CREATEDB rights
        # restarts the server, every connection cut (a throwaway cluster's; None: not ours)
        self.restart = restart
        self._created: set[str] = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PostgresServer(kind={self.kind!r}, admin_url={redact_url(self.admin_url)!r})"

    def refusing(self, grace: float) -> str | None:
        """None while the server answers, or once it answers again within ``grace`` seconds (a
        restart); else why it refuses, in libpq's words, on one line."""
        last = refusal(self.admin_url)

        def answers() -> bool:
            nonlocal last
            last = refusal(self.admin_url)
            return last is None

        if last is None or poll_until(answers, timeout=grace, interval=0.5):
            return None
        return " ".join(str(last).split())  # libpq's lines as one

    def create_database(self, prefix: str = "wallet_test", template: str | None = None) -> str:
        """Create a uniquely named database (prefix, pid, random suffix), optionally from
        ``template``; return its URL."""
        if not _PREFIX_PATTERN.fullmatch(prefix):
            raise ValueError(f"database prefix must match {_PREFIX_PATTERN.pattern}: {prefix!r}")
        name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
        if len(name.encode()) > _MAX_IDENTIFIER_BYTES:
            raise ValueError(f"database prefix too long: {name!r} exceeds 63 bytes")
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with self._lock:
            self._created.add(name)
        try:
            self._execute(statement)
        except psycopg.Error:
            with self._lock:
                self._created.discard(name)
            raise
        # On an interrupt the database may exist anyway: the name stays for drop_created_databases.
        return database_url(self.admin_url, name)

    def drop_database(self, url: str) -> None:
        """``DROP DATABASE ... WITH (FORCE)``; only for databases this object created."""
        name = conninfo_to_dict(url).get("dbname")
        with self._lock:
            if not isinstance(name, str) or name not in self._created:
                raise ValueError(f"refusing to drop {name!r}: not created by this PostgresServer")
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        self._execute(statement)
        with self._lock:
            self._created.discard(name)

    def drop_created_databases(self) -> None:
        """Drop whatever this object created and nobody dropped (used on a server not ours)."""
        with self._lock:
            leftovers = sorted(self._created)
        for name in leftovers:
            try:
                self.drop_database(database_url(self.admin_url, name))
            except psycopg.Error as error:
                logger.warning("could not drop test database %s: %s", name, error)

    def _execute(self, statement: sql.Composed) -> None:
        with psycopg.connect(
            self.admin_url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
        ) as connection:
            connection.execute(statement)


def database_url(admin_url: str, dbname: str) -> str:
    """``admin_url`` pointing at ``dbname`` instead; keeps URL form for URLs, DSN for DSNs."""
    if not admin_url.startswith(("postgresql://", "postgres://")):
        return make_conninfo(admin_url, dbname=dbname)
    parts = urlsplit(admin_url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "dbname"])
    return urlunsplit(parts._replace(path="/" + quote(dbname, safe=""), query=query))


def refusal(url: str, timeout: int = CONNECT_TIMEOUT_SECONDS) -> str | None:
    """None when a connection to ``url`` answers a query; else why not, in libpq's words."""
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=timeout) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as error:
        return str(error).strip()
    return None


def check_server_url(text: str) -> str:
    """``text`` when libpq can read it as a server to connect to: a ``postgresql://`` URL or
    ``key=value`` pairs. A ValueError otherwise, saying why without repeating the text, which
    may hold a password: given, say, ``mysql://...`` or a URL with port 99999, a run would
    only find out at its first connection."""
    scheme = urlsplit(text).scheme if "://" in text else ""
    if scheme and scheme not in ("postgresql", "postgres"):
        raise ValueError(
            f"a PostgreSQL URL starts postgresql:// (this one starts {scheme}://), like"
            " postgresql://USER:PASS@HOST:PORT/"
        )
    try:
        params = conninfo_to_dict(text)
    except psycopg.ProgrammingError as error:
        reason = str(error).strip().replace(text, "...") if text else "it is empty"
        raise ValueError(
            f"not a PostgreSQL URL (postgresql://USER:PASS@HOST:PORT/) or libpq key=value"
            f" string: {reason}"
        ) from None
    ports = str(params.get("port") or "5432").split(",")
    if not all(port.isdigit() and 1 <= int(port) <= 65535 for port in ports):
        raise ValueError(f"names a port that is not 1 to 65535: {params['port']}")
    return text


def server_url_option(text: str) -> str:
    """``check_server_url`` as the type of an option, the command line's ``--db-url`` and the
    pytest plugin's ``--wallet-db-url`` alike: its message, never the value, in the error."""
    try:
        return check_server_url(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***``, for logs."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparsable connection string>"
    if "password" not in params:
        return url
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", f":{_REDACTED}@", 1)
            parts = parts._replace(netloc=netloc)
        query = [(k, _REDACTED if k == "password" else v) for k, v in parse_qsl(parts.query)]
        return urlunsplit(parts._replace(query=urlencode(query, safe="*")))
    return make_conninfo(url, password=_REDACTED)


class Provider(Protocol):
    """One way of getting a server; ``start()`` yields it and cleans up afterwards. The three
    providers below are alike in shape because each implements this: a frozen record of why it
    was chosen, and a ``start`` that yields a ``PostgresServer``."""

    @property
    def kind(self) -> ProviderKind: ...
    @property
    def reason(self) -> str: ...
    def start(self) -> AbstractContextManager[PostgresServer]: ...


@dataclass(frozen=True)
class ServerUrlProvider:
    url: str
    reason: str
    kind: Literal["server-url"] = field(default="server-url", init=False)

    @contextmanager
    def start(self) -> Iterator[PostgresServer]:
        try:  # the options check this when read; the environment's URL is checked here
            check_server_url(self.url)
        except ValueError as error:
            raise ServerUrlUnreachable(
                f"cannot use the server URL ({self.reason}): {error}"
            ) from None
        try:
            with psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_SECONDS) as connection:
                connection.execute("SELECT 1")
        except psycopg.OperationalError as error:
            raise ServerUrlUnreachable(
                f"cannot connect to the server at {redact_url(self.url)} ({self.reason}): {error}"
            ) from error
        server = PostgresServer(self.kind, self.url)
        try:
            yield server
        finally:
            server.drop_created_databases()  # the server is not ours: never stop it


@dataclass(frozen=True)
class DockerProvider:
    engine_url: str
    reason: str
    kind: Literal["docker"] = field(default="docker", init=False)

    @contextmanager
    def start(self) -> Iterator[PostgresServer]:
        from testcontainers.community.postgres import PostgresContainer

        if not os.environ.get("DOCKER_HOST"):
            # The engine may sit on a socket docker-py does not look at (Docker Desktop's
            # ~/.docker/run/docker.sock); testcontainers and its reaper read DOCKER_HOST.
            os.environ["DOCKER_HOST"] = self.engine_url
        settings = {**THROWAWAY_SETTINGS, "max_connections": str(MAX_CONNECTIONS)}
        command = " ".join(f"-c {name}={value}" for name, value in settings.items())
        container = PostgresContainer(
            DOCKER_IMAGE,
            username="postgres",
            password=secrets.token_hex(12),
            dbname="postgres",
            driver=None,
            command=f"postgres {command}",
        )
        with container:
            yield PostgresServer(self.kind, container.get_connection_url())


@dataclass(frozen=True)
class LocalBinariesProvider:
    bindir: Path
    reason: str
    kind: Literal["local-binaries"] = field(default="local-binaries", init=False)

    @contextmanager
    def start(self) -> Iterator[PostgresServer]:
        with local_cluster(self.bindir) as cluster:
            yield PostgresServer(
                self.kind, cluster.admin_url, restart=lambda: restart_server(cluster)
            )


def select_provider(
    explicit_url: str | None,
    *,
    docker_probe: Callable[[], str | None] = find_docker_engine,
    bindir_probe: Callable[[], Path | None] = find_postgres_bindir,
) -> Provider:
    """Choose how to get a server, without starting anything. ``docker_probe`` returns the URL
    of a reachable engine or None; ``bindir_probe`` the server binaries' directory or None."""
    if explicit_url:
        return ServerUrlProvider(explicit_url, "a server URL was given (--db-url, --wallet-db-url)")
    if env_url := os.environ.get(DATABASE_URL_ENV, "").strip():
        return ServerUrlProvider(env_url, f"{DATABASE_URL_ENV} is set")
    if engine := docker_probe():
        return DockerProvider(engine, f"no server URL given; a Docker engine answers at {engine}")
    if bindir := bindir_probe():
        reason = f"no server URL given, no Docker engine; server binaries found in {bindir}"
        return LocalBinariesProvider(bindir, reason)
    raise NoPostgresAvailable()


@contextmanager
def postgres_server(explicit_url: str | None = None) -> Iterator[PostgresServer]:
    """Choose a provider, log which and why, yield its server, clean up afterwards."""
    provider = select_provider(explicit_url)
    logger.info("PostgreSQL provider: %s (%s)", provider.kind, provider.reason)
    with sigterm_unwinds(), provider.start() as server:
        logger.info("PostgreSQL server ready: %s", redact_url(server.admin_url))
        yield server


@contextmanager
def fresh_database(server: PostgresServer, template: str | None = None) -> Iterator[str]:
    """Yield the URL of a new empty database (or a copy of ``template``); drop it afterwards."""
    url = server.create_database(template=template)
    try:
        yield url
    finally:
        server.drop_database(url)


@contextmanager
def provision_database(explicit_url: str | None = None) -> Iterator[str]:
    """``postgres_server`` and ``fresh_database`` in one: the URL of a database of our own."""
    with postgres_server(explicit_url) as server, fresh_database(server) as url:
        yield url
