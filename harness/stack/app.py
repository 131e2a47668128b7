"""The app as its profile describes it, made into real processes: each process's command and
environment with the placeholders filled, its working directory, stop signal and grace, and
the check that says it has started (an HTTP answer, a line of its output, an open port)."""

from __future__ import annotations

import os
import re
import signal
import socket
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx

from harness.profile.loading import LoadedProfile
from harness.profile.model import Process, Ready
from harness.profile.placeholders import fill, names_in
from harness.stack.app_http import AppHttp
from harness.stack.services import ServiceProcess

LOOK_TIMEOUT = 1.0  # seconds a readiness look waits for an answer


def fixed_values(profile: LoadedProfile) -> dict[str, str]:
    """The placeholders known before anything runs."""
    return {"python": sys.executable, "profile_dir": str(profile.folder)}


def environment(
    profile: LoadedProfile, process: Process | None, values: Mapping[str, str]
) -> dict[str, str]:
    """A process's variables: the harness's own (unless ``inherit_env = false``), the profile's
    shared ``env``, then the process's own, filled. With ``process=None``: for the app's own
    commands (migrate, seed, reconcile), the shared variables whose placeholders are known."""
    inherit = process is None or process.inherit_env
    env = dict(os.environ) if inherit else {}
    own = {} if process is None else process.env
    for name, text in {**profile.app.env, **own}.items():
        if process is not None or set(names_in(text)) <= set(values):
            env[name] = fill(text, values)
    return env


def service(
    name: str, profile: LoadedProfile, values: Mapping[str, str], log: Path
) -> ServiceProcess:
    process = profile.app.processes[name]
    return ServiceProcess(
        name,
        [fill(word, values) for word in process.command],
        environment(profile, process, values),
        log,
        cwd=(profile.folder / process.cwd).resolve(),
        stop_signal=signal.Signals[process.stop_signal],
        stop_grace=process.stop_grace,
    )


def readiness(
    ready: Ready, running: ServiceProcess, values: Mapping[str, str], http: AppHttp
) -> tuple[Callable[[], bool], str, int | None]:
    """The check that says ``running`` has started, what it tries (for messages) and the port
    it asks on (None: it asks no port); an HTTP check asks through ``http``, whose kept client
    costs a look under 1 ms of CPU where a new one costs about 20, taken from the process
    starting beside it."""
    if ready.http is not None:
        url = fill(ready.http, values)
        return (lambda: _answers(url, http)), f"GET {url} answers", httpx.URL(url).port
    if ready.log is not None:
        pattern = re.compile(ready.log, re.MULTILINE)
        return (
            (lambda: pattern.search(running.output()) is not None),
            f"a line matching {ready.log!r}",
            None,
        )
    if ready.tcp is not None:
        target = fill(ready.tcp, values)
        host, _, port = target.rpartition(":")
        return (
            (lambda: accepts(host or "127.0.0.1", int(port))),
            f"port {target} accepts",
            int(port),
        )
    return (lambda: True), "nothing to wait for", None


def _answers(url: str, http: AppHttp) -> bool:
    try:
        return http.get(url, timeout=LOOK_TIMEOUT).status_code < 500
    except httpx.TransportError:
        return False


def accepts(host: str, port: int) -> bool:
    """Whether something on ``host``:``port`` accepts a TCP connection within a second."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
