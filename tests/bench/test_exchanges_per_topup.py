"""The request counter ``bench/exchanges_per_topup.py`` puts on the stack's path counts each
request a real Starlette app under uvicorn answers, by route, ids folded; nothing without its
directory named."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from harness.polling import poll_until
from harness.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "request_count"))
from exchanges_per_topup import server_name  # noqa: E402
from request_counting import shape  # noqa: E402

APP = """
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

async def answer(request):
    return PlainTextResponse("ok")

app = Starlette(routes=[Route("/{rest:path}", answer, methods=["GET", "POST"])])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


@pytest.mark.parametrize(
    ("path", "shaped"),
    [
        ("/v1/checkout/sessions/cs_test_a1B2c3D4e5F6g7", "/v1/checkout/sessions/{id}"),
        ("/api/wallet/topups/cs_test_a1B2c3D4e5F6g7", "/api/wallet/topups/{id}"),
        ("/_control/api_faults/af_0123456789ab", "/_control/api_faults/{id}"),
        ("/orgs/0b5c3f5e-2a44-4c4e-9d4a-61a0c2b1d7aa/balance", "/orgs/{id}/balance"),
        ("/v1/events", "/v1/events"),
        ("/_control/api_faults", "/_control/api_faults"),
        ("/v1/webhook_endpoints", "/v1/webhook_endpoints"),
        ("/c/pay/cs_test_a1B2c3D4e5F6g7/authenticate", "/c/pay/{id}/authenticate"),
    ],
)
def test_a_path_keeps_its_words_and_folds_its_ids(path: str, shaped: str) -> None:
    assert shape(path) == shaped


def test_a_server_is_named_by_its_package_and_command() -> None:
    assert server_name(["/x/reference_app/__main__.py", "web", "--port", "1"]) == (
        "reference_app web"
    )
    assert server_name(["/x/fake_stripe/__main__.py", "--port", "1"]) == "fake_stripe"


def _serve(tmp_path: Path, counts: Path | None) -> tuple[subprocess.Popen[bytes], str]:
    script = tmp_path / "app.py"
    script.write_text(APP)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "bench" / "request_count"))
    env.pop("COUNT_REQUESTS_DIR", None)
    if counts is not None:
        env["COUNT_REQUESTS_DIR"] = str(counts)
    port = free_port()
    server = subprocess.Popen([sys.executable, str(script), str(port)], env=env)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{url}/ready").status_code == 200
        except httpx.TransportError:
            return False

    assert poll_until(answers, timeout=20), "the app never answered"
    return server, url


def test_each_request_is_counted_by_route_in_the_servers_own_file(tmp_path: Path) -> None:
    counts = tmp_path / "counts"
    counts.mkdir()
    server, url = _serve(tmp_path, counts)
    try:
        with httpx.Client() as client:
            for number in range(3):
                client.get(f"{url}/v1/checkout/sessions/cs_test_{number}aBcDeFgHiJ")
            client.post(f"{url}/api/webhooks/stripe")
        dump = counts / f"{server.pid}.json"

        def written() -> dict[str, int] | None:
            if not dump.exists():
                return None
            seen: dict[str, int] = json.loads(dump.read_text())["counts"]
            return seen if seen.get("POST /api/webhooks/stripe") == 1 else None

        seen = poll_until(written, timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert seen == {
        "GET /ready": 1,
        "GET /v1/checkout/sessions/{id}": 3,
        "POST /api/webhooks/stripe": 1,
    }


def test_without_its_directory_nothing_is_counted_or_written(tmp_path: Path) -> None:
    server, url = _serve(tmp_path, None)
    try:
        assert httpx.get(f"{url}/v1/events").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert not list(tmp_path.glob("**/*.json"))
