"""Which PostgreSQL provider is chosen, faked only at the detection boundary (the probes)."""

from __future__ import annotations

import http.server
import logging
import os
import re
import socket
import socketserver
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from psycopg.conninfo import conninfo_to_dict

from harness.postgres.docker_probe import docker_engine_reachable, find_docker_engine
from harness.postgres.local_cluster import MAX_CONNECTIONS, find_postgres_bindir
from harness.postgres.server import (
    DATABASE_URL_ENV,
    DockerProvider,
    LocalBinariesProvider,
    NoPostgresAvailable,
    PostgresServer,
    ServerUrlProvider,
    check_server_url,
    database_url,
    postgres_server,
    redact_url,
    select_provider,
)

EXPLICIT = "postgresql://app:secret@db.example:5432/postgres"
DOCKER = "unix:///var/run/docker.sock"
BINDIR = Path("/opt/pg/bin")


def probe_never_called() -> Callable[[], None]:
    def probe() -> None:
        raise AssertionError("an explicit URL must win without probing anything")

    return probe


@pytest.fixture(autouse=True)
def no_database_url_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)


def test_explicit_url_argument_beats_docker_and_binaries() -> None:
    provider = select_provider(
        EXPLICIT, docker_probe=probe_never_called(), bindir_probe=probe_never_called()
    )

    assert isinstance(provider, ServerUrlProvider)
    assert provider.kind == "server-url"
    assert provider.url == EXPLICIT


def test_url_from_environment_beats_docker_and_binaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, EXPLICIT)

    provider = select_provider(
        None, docker_probe=probe_never_called(), bindir_probe=probe_never_called()
    )

    assert isinstance(provider, ServerUrlProvider)
    assert provider.url == EXPLICIT
    assert DATABASE_URL_ENV in provider.reason


def test_argument_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://other@elsewhere/postgres")

    provider = select_provider(EXPLICIT, docker_probe=lambda: DOCKER, bindir_probe=lambda: BINDIR)

    assert isinstance(provider, ServerUrlProvider)
    assert provider.url == EXPLICIT


def test_empty_environment_url_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "  ")

    provider = select_provider(None, docker_probe=lambda: None, bindir_probe=lambda: BINDIR)

    assert provider.kind == "local-binaries"


def test_docker_beats_local_binaries() -> None:
    provider = select_provider(None, docker_probe=lambda: DOCKER, bindir_probe=lambda: BINDIR)

    assert isinstance(provider, DockerProvider)
    assert provider.kind == "docker"
    assert provider.engine_url == DOCKER


def test_no_docker_with_binaries_chooses_local_cluster() -> None:
    provider = select_provider(None, docker_probe=lambda: None, bindir_probe=lambda: BINDIR)

    assert isinstance(provider, LocalBinariesProvider)
    assert provider.kind == "local-binaries"
    assert provider.bindir == BINDIR


def test_nothing_available_names_all_three_fixes() -> None:
    with pytest.raises(NoPostgresAvailable) as raised:
        select_provider(None, docker_probe=lambda: None, bindir_probe=lambda: None)

    message = str(raised.value)
    for fix in (
        "--wallet-db-url",
        DATABASE_URL_ENV,
        "Docker engine",
        "apt-get install postgresql",
        "brew install postgresql@15",
        "WALLET_PG_BINDIR",
    ):
        assert fix in message


def test_choice_and_reason_are_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class Chosen:
        kind = "server-url"
        reason = "because the test said so"

        def start(self) -> Iterator[PostgresServer]:
            raise RuntimeError("not starting anything in a unit test")

    monkeypatch.setattr("harness.postgres.server.select_provider", lambda url: Chosen())
    caplog.set_level(logging.INFO, logger="harness.postgres.server")

    with pytest.raises(RuntimeError, match="not starting"), postgres_server(EXPLICIT):
        pass

    assert "PostgreSQL provider: server-url (because the test said so)" in caplog.text


# --- Docker detection -------------------------------------------------------------------------


def test_docker_probe_is_false_fast_without_touching_sockets_when_no_socket_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_sockets(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("the probe must not open a socket when no socket file exists")

    monkeypatch.setattr(socket, "socket", no_sockets)
    monkeypatch.setattr(socket, "create_connection", no_sockets)
    environ = {"DOCKER_HOST": "unix:///nonexistent/wallet-harness/docker.sock"}

    started = time.monotonic()
    reachable = docker_engine_reachable(environ)
    elapsed = time.monotonic() - started

    assert reachable is False
    assert elapsed < 0.1


def test_docker_probe_without_docker_host_checks_only_existing_default_sockets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_sockets(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("no socket file exists, so no socket may be opened")

    monkeypatch.setattr(socket, "socket", no_sockets)

    assert find_docker_engine({}, candidates=[tmp_path / "a.sock", tmp_path / "b.sock"]) is None


class PingHandler(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        body = b"OK" if self.path == "/_ping" else b"not found"
        self.send_response(self.status if self.path == "/_ping" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class FakeUnixEngine(PingHandler):
    def address_string(self) -> str:
        return "unix-client"


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A short directory for unix sockets (path limit ~107 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="wh-"))
    yield path
    for entry in path.iterdir():
        entry.unlink()
    path.rmdir()


def serve_unix(socket_path: Path, status: int) -> UnixHTTPServer:
    handler = type("Handler", (FakeUnixEngine,), {"status": status})
    server = UnixHTTPServer(str(socket_path), handler)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    return server


@pytest.mark.parametrize(("status", "expected"), [(200, True), (500, False)])
def test_docker_probe_requires_ping_200_over_unix_socket(
    short_dir: Path, status: int, expected: bool
) -> None:
    socket_path = short_dir / "docker.sock"
    server = serve_unix(socket_path, status)
    try:
        environ = {"DOCKER_HOST": f"unix://{socket_path}"}

        assert docker_engine_reachable(environ) is expected
        assert (find_docker_engine(environ) == f"unix://{socket_path}") is expected
    finally:
        server.shutdown()
        server.server_close()


def test_docker_probe_finds_engine_on_a_default_socket(short_dir: Path) -> None:
    socket_path = short_dir / "docker.sock"
    server = serve_unix(socket_path, 200)
    try:
        found = find_docker_engine({}, candidates=[short_dir / "absent.sock", socket_path])
    finally:
        server.shutdown()
        server.server_close()

    assert found == f"unix://{socket_path}"


def test_docker_probe_treats_stale_socket_file_as_absent(short_dir: Path) -> None:
    socket_path = short_dir / "docker.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(socket_path))
    listener.close()  # the file stays, nobody listens: ECONNREFUSED

    assert docker_engine_reachable({"DOCKER_HOST": f"unix://{socket_path}"}) is False


def test_docker_probe_over_tcp() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PingHandler)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    try:
        port = server.server_address[1]
        assert docker_engine_reachable({"DOCKER_HOST": f"tcp://127.0.0.1:{port}"}) is True
    finally:
        server.shutdown()
        server.server_close()
    assert docker_engine_reachable({"DOCKER_HOST": f"tcp://127.0.0.1:{port}"}) is False


# --- server binaries discovery ----------------------------------------------------------------


def make_bindir(path: Path, tools: tuple[str, ...] = ("initdb", "pg_ctl", "postgres")) -> Path:
    path.mkdir(parents=True)
    for tool in tools:
        stub = path / tool
        stub.write_text("#!/bin/sh\nexit 0\n")
        stub.chmod(0o755)
    return path


def make_pg_config(directory: Path, prints_bindir: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    stub = directory / "pg_config"
    stub.write_text(f"#!/bin/sh\necho '{prints_bindir}'\n")
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)


def test_bindir_from_environment_variable_comes_first(tmp_path: Path) -> None:
    chosen = make_bindir(tmp_path / "chosen")
    on_path = make_bindir(tmp_path / "on_path")

    found = find_postgres_bindir({"WALLET_PG_BINDIR": str(chosen), "PATH": str(on_path)}, globs=())

    assert found == chosen


def test_bindir_environment_variable_without_tools_is_skipped(tmp_path: Path) -> None:
    incomplete = make_bindir(tmp_path / "incomplete", tools=("initdb", "pg_ctl"))
    on_path = make_bindir(tmp_path / "on_path")

    found = find_postgres_bindir(
        {"WALLET_PG_BINDIR": str(incomplete), "PATH": str(on_path)}, globs=()
    )

    assert found == on_path


def test_bindir_from_pg_config_when_it_has_the_server(tmp_path: Path) -> None:
    server_bin = make_bindir(tmp_path / "server" / "bin")
    make_pg_config(tmp_path / "tools", server_bin)
    other = make_bindir(tmp_path / "other")

    found = find_postgres_bindir({"PATH": f"{tmp_path / 'tools'}:{other}"}, globs=())

    assert found == server_bin


def test_pg_config_of_a_client_only_install_is_ignored(tmp_path: Path) -> None:
    client_only = tmp_path / "client" / "bin"
    client_only.mkdir(parents=True)
    make_pg_config(tmp_path / "tools", client_only)
    with_initdb = make_bindir(tmp_path / "with_initdb")

    found = find_postgres_bindir({"PATH": f"{tmp_path / 'tools'}:{with_initdb}"}, globs=())

    assert found == with_initdb


def test_well_known_locations_highest_version_first(tmp_path: Path) -> None:
    for version in ("9.6", "13", "15"):
        make_bindir(tmp_path / "lib" / version / "bin")
    make_bindir(tmp_path / "lib" / "16" / "bin", tools=("pg_ctl",))  # client only
    (tmp_path / "lib" / "14" / "bin").mkdir(parents=True)

    found = find_postgres_bindir({"PATH": ""}, globs=(str(tmp_path / "lib" / "*" / "bin"),))

    assert found == tmp_path / "lib" / "15" / "bin"


def test_non_executable_stubs_do_not_count(tmp_path: Path) -> None:
    stubs = make_bindir(tmp_path / "stubs")
    (stubs / "postgres").chmod(0o644)  # even root needs an execute bit to pass X_OK

    assert find_postgres_bindir({"PATH": str(stubs)}, globs=()) is None


def test_no_binaries_anywhere(tmp_path: Path) -> None:
    assert find_postgres_bindir({"PATH": str(tmp_path)}, globs=(str(tmp_path / "*"),)) is None


# --- URLs -------------------------------------------------------------------------------------


def test_database_url_replaces_the_database_of_a_url() -> None:
    url = "postgresql://app:s%40cret@db:5432/postgres?sslmode=disable&dbname=x"

    assert database_url(url, "wallet_test_1") == (
        "postgresql://app:s%40cret@db:5432/wallet_test_1?sslmode=disable"
    )


def test_database_url_keeps_key_value_form() -> None:
    url = database_url("host=db port=5432 user=app dbname=postgres", "w1")

    assert not url.startswith("postgresql://")
    assert conninfo_to_dict(url) == {"host": "db", "port": "5432", "user": "app", "dbname": "w1"}


def test_redact_url_hides_passwords() -> None:
    assert redact_url(EXPLICIT) == "postgresql://app:***@db.example:5432/postgres"
    assert "secret" not in redact_url("host=db user=app password=secret dbname=postgres")
    assert redact_url("postgresql://app@db/postgres") == "postgresql://app@db/postgres"


# --- the Docker branch, with testcontainers faked (no engine on CI) ---------------------------


@pytest.mark.parametrize(
    ("module", "must_not_load"),
    [
        (  # the plugin's entry and what it registers in every pytest run
            "harness.plugin.entry, harness.plugin.fixtures, harness.plugin.driver_fixtures,"
            " harness.plugin.scenario_hooks, harness.plugin.summary",
            ["psycopg", "testcontainers", "harness.postgres.server", "harness.stack.wallet_stack"],
        ),
        ("harness.postgres.server", ["testcontainers", "docker"]),
    ],
)
def test_imports_stay_cheap(module: str, must_not_load: list[str]) -> None:
    script = f"import sys, {module}; print(*[name in sys.modules for name in {must_not_load!r}])"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )

    assert result.stdout.split() == ["False"] * len(must_not_load)


class FakePostgresContainer:
    instances: ClassVar[list[FakePostgresContainer]] = []

    def __init__(self, image: str, **kwargs: Any) -> None:
        self.image = image
        self.kwargs = kwargs
        self.events: list[str] = []
        self.instances.append(self)

    def __enter__(self) -> FakePostgresContainer:
        self.events.append("started")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.events.append("stopped")

    def get_connection_url(self) -> str:
        return "postgresql://postgres:pw@localhost:32768/postgres"


def test_docker_provider_runs_postgres_15_with_throwaway_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import testcontainers.community.postgres as community_postgres

    monkeypatch.setattr(community_postgres, "PostgresContainer", FakePostgresContainer)
    monkeypatch.setenv("DOCKER_HOST", "placeholder")
    monkeypatch.delenv("DOCKER_HOST")  # restored to "unset" after the test
    FakePostgresContainer.instances.clear()
    engine = "unix:///home/someone/.docker/run/docker.sock"

    with DockerProvider(engine, "a test").start() as server:
        [container] = FakePostgresContainer.instances
        assert container.events == ["started"]
        assert server.kind == "docker"
        assert server.admin_url == container.get_connection_url()
        assert os.environ["DOCKER_HOST"] == engine  # testcontainers' reaper reads it too

    assert container.events == ["started", "stopped"]
    assert container.image == "postgres:15"
    assert container.kwargs["driver"] is None
    command = container.kwargs["command"].split()
    assert command[0] == "postgres"
    for setting in (
        "fsync=off",
        "synchronous_commit=off",
        "autovacuum_naptime=1s",
        f"max_connections={MAX_CONNECTIONS}",
    ):
        assert setting in command


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://app:pw@127.0.0.1:5433/postgres",
        "postgres://127.0.0.1/wallet",
        "host=127.0.0.1 port=5433 user=app",
        "postgresql://h1:5432,h2:5433/x",
    ],
)
def test_a_server_libpq_reads_is_taken_as_given(text: str) -> None:
    assert check_server_url(text) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "mysql://app:hunter2@db/x",
            "a PostgreSQL URL starts postgresql:// (this one starts mysql://)",
        ),
        ("hunter2", 'libpq key=value string: missing "=" after "..."'),
        ("postgresql://app:hunter2@db:99999/x", "names a port that is not 1 to 65535: 99999"),
        ("host=db password=hunter2 port=http", "names a port that is not 1 to 65535: http"),
    ],
)
def test_a_server_libpq_cannot_read_is_refused_without_repeating_it(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)) as raised:
        check_server_url(text)
    assert "hunter2" not in str(raised.value)
