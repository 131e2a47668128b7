"""Cheap detection of a reachable Docker engine, without docker-py and without long timeouts.

A machine with no engine answers in microseconds: when no socket file exists we never open a
socket at all. When a socket (or a tcp:// host) exists we send one raw ``GET /_ping`` and require
an HTTP 200 within ``PING_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

PING_TIMEOUT_SECONDS = 1.0
_PING_REQUEST = b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"


def default_socket_paths(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The usual engine sockets, probed in this order when ``DOCKER_HOST`` is unset."""
    env = os.environ if environ is None else environ
    paths = [Path("/var/run/docker.sock")]
    if runtime_dir := env.get("XDG_RUNTIME_DIR"):
        paths.append(Path(runtime_dir) / "docker.sock")
    if home := env.get("HOME"):
        paths.append(Path(home) / ".docker" / "run" / "docker.sock")
        paths.append(Path(home) / ".docker" / "desktop" / "docker.sock")
    return paths


def find_docker_engine(
    environ: Mapping[str, str] | None = None,
    candidates: Sequence[Path] | None = None,
) -> str | None:
    """Return the URL of an engine that answers ``/_ping`` with 200 (``unix://...`` or
    ``tcp://...``), or None. Never blocks longer than ``PING_TIMEOUT_SECONDS`` per candidate."""
    env = os.environ if environ is None else environ
    docker_host = env.get("DOCKER_HOST", "").strip()
    if docker_host:
        return docker_host if _host_answers(docker_host) else None
    for path in default_socket_paths(env) if candidates is None else candidates:
        if _unix_socket_answers(path):
            return f"unix://{path}"
    return None


def docker_engine_reachable(environ: Mapping[str, str] | None = None) -> bool:
    """True when a Docker engine answers; False immediately when no socket file exists."""
    return find_docker_engine(environ) is not None


def _host_answers(docker_host: str) -> bool:
    parts = urlsplit(docker_host)
    if parts.scheme == "unix":
        return _unix_socket_answers(Path(parts.path))
    if parts.scheme == "tcp":
        if parts.hostname is None:
            return False
        try:
            port = parts.port or 2375
        except ValueError:
            return False
        return _tcp_answers(parts.hostname, port)
    # ssh://, npipe:// and friends cannot be probed cheaply; treat them as absent.
    return False


def _unix_socket_answers(path: Path) -> bool:
    try:
        if not path.is_socket():
            return False
    except OSError:
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(PING_TIMEOUT_SECONDS)
        try:
            sock.connect(str(path))
            return _ping(sock)
        except OSError:
            return False


def _tcp_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=PING_TIMEOUT_SECONDS) as sock:
            sock.settimeout(PING_TIMEOUT_SECONDS)
            return _ping(sock)
    except OSError:
        return False


def _ping(sock: socket.socket) -> bool:
    sock.sendall(_PING_REQUEST)
    received = b""
    while b"\r\n" not in received and len(received) < 4096:
        chunk = sock.recv(1024)
        if not chunk:
            break
        received += chunk
    status_line = received.split(b"\r\n", 1)[0].split()
    return (
        len(status_line) >= 2 and status_line[0].startswith(b"HTTP/") and status_line[1] == b"200"
    )
