"""The control client's TLS context: none that could verify a certificate for a fake on plain
HTTP (it never speaks TLS; building httpx's default one costs about 50 ms a client), httpx's
default checks, built once, for one on https."""

from __future__ import annotations

import ssl

from fake_stripe.client import tls_context


def test_a_fake_on_plain_http_gets_a_context_that_could_verify_no_certificate() -> None:
    context = tls_context("http://127.0.0.1:12111")
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0


def test_a_fake_on_https_gets_httpx_default_checks_built_once() -> None:
    context = tls_context("https://fake-stripe.internal")
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.cert_store_stats()["x509_ca"] > 0
    assert tls_context("https://another.internal") is context
