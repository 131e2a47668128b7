"""The example Express app run by hand (``npm start``, i.e. ``node src/start.js``): without a
``REDIS_URL`` it starts a Redis of its own on a free port (never the machine's 6379), migrates,
serves and works the queue, and on Ctrl-C stops everything it started, that Redis included."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import httpx
import pytest

from harness.polling import poll_until
from harness.ports import free_port
from tests.examples.express import APP, needs_node

pytestmark = needs_node


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def fake_stripe_url() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "fake_stripe", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert poll_until(lambda: listening(port), timeout=20), "fake_stripe did not start"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_npm_start_brings_its_own_redis_and_stops_it_on_ctrl_c(
    wallet_db_url: str, fake_stripe_url: str
) -> None:
    web_port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": wallet_db_url,
        "STRIPE_SECRET_KEY": "sk_test_start",
        "STRIPE_API_BASE": fake_stripe_url,
        "PUBLIC_URL": f"http://127.0.0.1:{web_port}",
        "PORT": str(web_port),
    }
    env.pop("REDIS_URL", None)
    app = subprocess.Popen(
        ["node", "src/start.js"],
        cwd=APP,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(app.stdout or ()), daemon=True)
    reader.start()
    try:
        ready = poll_until(
            lambda: (
                any("web ready" in line for line in lines)
                and any("worker ready" in line for line in lines)
            ),
            timeout=60,
        )
        assert ready, "".join(lines)
        found = re.search(r"redis of its own at redis://127\.0\.0\.1:(\d+)", "".join(lines))
        assert found, "".join(lines)
        redis_port = int(found.group(1))
        assert redis_port != 6379
        assert listening(redis_port)
        assert httpx.get(f"http://127.0.0.1:{web_port}/login").status_code == 200

        app.send_signal(signal.SIGINT)
        app.wait(timeout=20)
        reader.join(timeout=5)

        assert poll_until(lambda: not listening(redis_port), timeout=10), "".join(lines)
        assert not listening(web_port)
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait()
