"""The harness's HTTP clients: a plain-HTTP client talks to a real loopback server with a TLS
context that could verify no certificate at all; any other gets httpx's default checks, built
once per process."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest

from harness import http_clients
from tests.loopback_http import json_server


def _echo(method: str, path: str, body: bytes) -> dict[str, str]:
    return {"method": method, "path": path, "body": body.decode()}


@pytest.fixture
def echo_url() -> Iterator[str]:
    with json_server(_echo) as url:
        yield url


def _ca_certificates(context: ssl.SSLContext) -> int:
    return context.cert_store_stats()["x509_ca"]


def test_a_client_of_a_plain_http_url_talks_to_it(echo_url: str) -> None:
    with http_clients.client(echo_url, timeout=5) as client:
        answer = client.get("/dashboard")
    assert answer.json() == {"method": "GET", "path": "/dashboard", "body": ""}


def test_a_post_to_a_whole_url_is_sent_as_given(echo_url: str) -> None:
    answer = http_clients.post(echo_url + "/reset", content=b"{}", timeout=5)
    assert answer.json() == {"method": "POST", "path": "/reset", "body": "{}"}


def test_a_plain_http_client_could_verify_no_certificate() -> None:
    """Not a context that skips the checks: one that checks against nothing, so a TLS handshake
    it were ever sent to would fail."""
    context = http_clients.tls_context("HTTP://127.0.0.1:8000")
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert _ca_certificates(context) == 0


@pytest.mark.parametrize("url", ["https://wallet.example", ""])
def test_any_other_client_gets_httpx_default_checks_built_once(url: str) -> None:
    context = http_clients.tls_context(url)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert _ca_certificates(context) > 0
    assert http_clients.tls_context(url) is context
