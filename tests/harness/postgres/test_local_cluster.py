"""Real throwaway clusters from the local server binaries: start, use, stop, and never leak.

Interruptions are exercised on child Python processes that open a cluster, report it on stdout
and then wait on stdin: SIGINT and SIGTERM must make the child clean up itself; after SIGKILL
the cluster is left behind and ``sweep_stale_clusters()`` in this process must stop it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import psycopg
import pytest

from harness.polling import poll_until
from harness.postgres import local_cluster as local_cluster_module
from harness.postgres.cluster_registry import (
    live_clusters_of_this_process,
    registry_dir,
    sweep_stale_clusters,
)
from harness.postgres.local_cluster import (
    MAX_CONNECTIONS,
    LocalCluster,
    find_postgres_bindir,
    local_cluster,
)
from harness.postgres.server import PostgresServer

REPO_ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_postgres_bindir() is None and not os.environ.get("CI"),
        reason="no PostgreSQL server binaries (never skipped in CI, where they must exist)",
    ),
]


# --- process checks without psutil ------------------------------------------------------------


def postmasters_for(data_dir: Path) -> list[int]:
    """Pids of live (non-zombie) postmasters whose command line names ``data_dir``. A child the
    postmaster has just forked (an autovacuum worker, every second here) shows its parent's
    command line until it sets its own title, so a process whose parent matched is its child,
    not a second server."""
    found: dict[int, int | None] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(data_dir).encode() in argv and is_running(int(entry.name)):
            found[int(entry.name)] = parent_of(int(entry.name))
    return [pid for pid, parent in found.items() if parent not in found]


def parent_of(pid: int) -> int | None:
    with contextlib.suppress(psutil.Error):
        return psutil.Process(pid).ppid()
    return None


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # PID 1 of a container may never reap an orphaned zombie


def eventually(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    return poll_until(condition, timeout=timeout, interval=0.02)


def assert_gone(base_dir: Path) -> None:
    assert eventually(lambda: not postmasters_for(base_dir / "data"))
    assert not base_dir.exists()


def query_one(url: str, statement: str) -> Any:
    with psycopg.connect(url, connect_timeout=10) as connection:
        row = connection.execute(statement).fetchone()
    assert row is not None
    return row[0]


# --- in-process clusters ----------------------------------------------------------------------


def test_cluster_answers_with_the_throwaway_settings() -> None:
    with local_cluster() as cluster:
        url = cluster.admin_url

        assert query_one(url, "SELECT 1") == 1
        assert query_one(url, "SHOW max_connections") == str(MAX_CONNECTIONS)
        assert query_one(url, "SHOW fsync") == "off"
        assert query_one(url, "SHOW synchronous_commit") == "off"
        assert query_one(url, "SHOW full_page_writes") == "off"
        assert query_one(url, "SHOW autovacuum_naptime") == "1s"
        assert query_one(url, "SHOW dynamic_shared_memory_type") == "mmap"
        assert query_one(url, "SHOW listen_addresses") == "127.0.0.1"
        assert postmasters_for(cluster.data_dir) == [cluster.postmaster_pid]
        assert (cluster.base_dir / f".s.PGSQL.{cluster.port}").is_socket()
        if os.geteuid() == 0:
            assert cluster.run_as is not None
            assert cluster.data_dir.stat().st_uid == cluster.run_as.uid

    assert_gone(cluster.base_dir)
    assert cluster.postmaster_pid not in [c.postmaster_pid for c in live_clusters_of_this_process()]


def test_a_postmaster_killed_outright_leaves_no_shared_memory_behind() -> None:
    """Its shared memory segments are files in its data directory, removed with it. Kept in
    /dev/shm, PostgreSQL's default, they outlived a server killed outright: 1 MB a cluster."""
    with local_cluster() as cluster:
        assert list((cluster.data_dir / "pg_dynshmem").iterdir())  # its control segment
        os.kill(cluster.postmaster_pid, signal.SIGKILL)  # an OOM killer, say

    assert_gone(cluster.base_dir)


def test_create_and_drop_databases_including_from_a_template() -> None:
    with local_cluster() as cluster:
        server = PostgresServer("local-binaries", cluster.admin_url)
        template_url = server.create_database(prefix="wallet_tpl")
        with psycopg.connect(template_url, autocommit=True) as connection:
            connection.execute("CREATE TABLE wallet (id int PRIMARY KEY)")
            connection.execute("INSERT INTO wallet VALUES (7)")
        template_name = template_url.rsplit("/", 1)[1]

        copy_url = server.create_database(template=template_name)

        assert template_name.startswith(f"wallet_tpl_{os.getpid()}_")
        assert query_one(copy_url, "SELECT id FROM wallet") == 7
        server.drop_database(copy_url)
        server.drop_database(template_url)
        remaining = query_one(
            cluster.admin_url,
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'wallet%'",
        )
        assert remaining == 0


def test_drop_forces_out_open_connections() -> None:
    with local_cluster() as cluster:
        server = PostgresServer("local-binaries", cluster.admin_url)
        url = server.create_database()
        lingering = psycopg.connect(url)
        try:
            server.drop_database(url)
        finally:
            lingering.close()

        left = "SELECT count(*) FROM pg_database WHERE datname LIKE 'wallet_test%'"
        assert query_one(cluster.admin_url, left) == 0


def test_two_clusters_run_at_once_on_different_ports() -> None:
    with local_cluster() as first, local_cluster() as second:
        assert first.port != second.port
        assert first.base_dir != second.base_dir
        assert query_one(first.admin_url, "SELECT 1") == 1
        assert query_one(second.admin_url, "SELECT 1") == 1
        live = {record.base_dir for record in live_clusters_of_this_process()}
        assert {first.base_dir, second.base_dir} <= live

    assert_gone(first.base_dir)
    assert_gone(second.base_dir)


def test_exception_inside_the_block_still_cleans_up() -> None:
    started: list[LocalCluster] = []

    def crashing_test() -> None:
        with local_cluster() as cluster:
            started.append(cluster)
            raise RuntimeError("the test crashed")

    with pytest.raises(RuntimeError, match="the test crashed"):
        crashing_test()

    assert_gone(started[0].base_dir)


def test_running_cluster_is_recorded_and_not_swept() -> None:
    with local_cluster() as cluster:
        records = [r for r in live_clusters_of_this_process() if r.base_dir == cluster.base_dir]
        assert len(records) == 1
        assert records[0].port == cluster.port
        assert records[0].postmaster_pid == cluster.postmaster_pid
        record_file = registry_dir() / f"{records[0].record_id}.json"
        assert json.loads(record_file.read_text())["data_dir"] == str(cluster.data_dir)

        swept = sweep_stale_clusters()

        assert cluster.base_dir not in [record.base_dir for record in swept]
        assert query_one(cluster.admin_url, "SELECT 1") == 1

    assert not record_file.exists()


def test_port_taken_between_probe_and_start_is_retried(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A parallel run may grab our probed port before the server binds it."""
    caplog.set_level(logging.INFO, logger="harness.postgres.local_cluster")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken: int = squatter.getsockname()[1]
        probe_results = iter([taken])
        real_probe = local_cluster_module.free_port
        monkeypatch.setattr(
            local_cluster_module,
            "free_port",
            lambda: next(probe_results, 0) or real_probe(),
        )

        with local_cluster() as cluster:
            assert cluster.port != taken
            assert query_one(cluster.admin_url, "SELECT 1") == 1
            assert "Address already in use" in (cluster.base_dir / "server.log").read_text()

    assert f"port {taken} was taken" in caplog.text
    assert_gone(cluster.base_dir)


# --- interrupted child processes --------------------------------------------------------------

# Each child takes Ctrl-C as a run at a terminal does: a test run started in the background
# (nohup, `&` in a script) hands its children SIGINT ignored, and the child would not notice it.
CHILD_WITH_LOCAL_CLUSTER = textwrap.dedent(
    """
    import json, signal, sys
    from harness.postgres.local_cluster import local_cluster

    signal.signal(signal.SIGINT, signal.default_int_handler)

    with local_cluster() as cluster:
        report = {"base_dir": str(cluster.base_dir), "pid": cluster.postmaster_pid}
        print(json.dumps(report), flush=True)
        sys.stdin.read()
    """
)

CHILD_WITH_PUBLIC_API = textwrap.dedent(
    """
    import json, sys
    from harness.postgres.cluster_registry import live_clusters_of_this_process
    from harness.postgres.server import provision_database

    with provision_database() as url:
        [record] = live_clusters_of_this_process()
        report = {"base_dir": str(record.base_dir), "pid": record.postmaster_pid, "url": url}
        print(json.dumps(report), flush=True)
        sys.stdin.read()
    """
)


@pytest.fixture
def private_tmp() -> Iterator[Path]:
    """A temp root of its own, so parallel test workers' sweeps cannot touch our leftovers."""
    path = Path(tempfile.mkdtemp(prefix="wh-"))
    path.chmod(0o755)  # the unprivileged server account must reach its cluster inside
    yield path
    sweep_stale_clusters(registry_dir(path))  # a failed test's children may have left some
    shutil.rmtree(path, ignore_errors=True)


def start_child(script: str, tmp_root: Path) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "DOCKER_HOST": "unix:///nonexistent.sock"}
    env.pop("WALLET_TEST_DATABASE_URL", None)
    env["TMPDIR"] = str(tmp_root)
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line:
        stderr = finish(child)
        pytest.fail(f"child exited {child.returncode} before reporting:\n{stderr}")
    report: dict[str, Any] = json.loads(line)
    base_dir = Path(report["base_dir"])
    assert postmasters_for(base_dir / "data") == [report["pid"]]
    return child, report


def finish(child: subprocess.Popen[str]) -> str:
    try:
        _, stderr = child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        _, stderr = child.communicate()
        pytest.fail(f"child did not exit in time:\n{stderr}")
    return stderr


@pytest.mark.parametrize(
    ("sent", "script"),
    [
        pytest.param(signal.SIGINT, CHILD_WITH_LOCAL_CLUSTER, id="SIGINT-local_cluster"),
        pytest.param(signal.SIGTERM, CHILD_WITH_LOCAL_CLUSTER, id="SIGTERM-local_cluster"),
        pytest.param(signal.SIGTERM, CHILD_WITH_PUBLIC_API, id="SIGTERM-provision_database"),
    ],
)
def test_interrupted_child_cleans_up_itself(
    sent: signal.Signals, script: str, private_tmp: Path
) -> None:
    child, report = start_child(script, private_tmp)
    base_dir = Path(report["base_dir"])
    registry = registry_dir(private_tmp)
    assert base_dir.is_dir()
    swept = sweep_stale_clusters(registry)

    assert base_dir not in [record.base_dir for record in swept]  # a live owner is never swept
    assert postmasters_for(base_dir / "data") == [report["pid"]]

    child.send_signal(sent)
    # let the signal act before stdin closes: an end of input first would end the child's
    # `with` block normally, exit 0, and test nothing
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=60)
    stderr = finish(child)

    assert child.returncode != 0, stderr
    assert "KeyboardInterrupt" in stderr or "TerminatedBySignal" in stderr
    assert not base_dir.exists()  # removed by the child itself, before it exited
    assert list(registry.glob("*.json")) == []
    assert_gone(base_dir)


def test_killed_child_leaves_a_cluster_that_the_next_sweep_stops(private_tmp: Path) -> None:
    child, report = start_child(CHILD_WITH_LOCAL_CLUSTER, private_tmp)
    base_dir = Path(report["base_dir"])
    registry = registry_dir(private_tmp)

    child.send_signal(signal.SIGKILL)
    finish(child)

    assert child.returncode == -signal.SIGKILL
    assert postmasters_for(base_dir / "data") == [report["pid"]]  # pg_ctl detached it
    assert base_dir.is_dir()
    assert len(list(registry.glob("*.json"))) == 1

    results: list[list[Path]] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            results.append([record.base_dir for record in sweep_stale_clusters(registry)])
        except BaseException as error:
            errors.append(error)

    sweepers = [threading.Thread(target=sweep) for _ in range(4)]
    for sweeper in sweepers:
        sweeper.start()
    for sweeper in sweepers:
        sweeper.join(timeout=60)

    assert errors == []
    assert sorted(results, key=len) == [[], [], [], [base_dir]]  # exactly one sweeper acted
    assert_gone(base_dir)
    assert list(registry.glob("*.json")) == []


def test_sweep_signals_the_postmaster_itself_when_pg_ctl_is_unusable(
    private_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    child, report = start_child(CHILD_WITH_LOCAL_CLUSTER, private_tmp)
    base_dir = Path(report["base_dir"])
    child.send_signal(signal.SIGKILL)
    finish(child)
    [record_file] = registry_dir(private_tmp).glob("*.json")
    record = json.loads(record_file.read_text())
    record["bindir"] = "/nonexistent/bin"  # e.g. the server package was removed meanwhile
    record_file.write_text(json.dumps(record))
    caplog.set_level(logging.WARNING, logger="harness.postgres.local_cluster")

    swept = sweep_stale_clusters(registry_dir(private_tmp))

    assert [r.base_dir for r in swept] == [base_dir]
    assert f"sending SIGQUIT to postmaster {report['pid']}" in caplog.text
    assert_gone(base_dir)
