"""The harness's HTTP clients, without a certificate store loaded for each.

An ``httpx.Client`` builds its TLS context when it is made, whatever it will talk to, and that
loads the whole CA bundle: about 50 ms a client on a 2-core runner. The harness makes clients
for a scenario's page checks, API calls and forged deliveries, and short-lived commands make
one each, nearly all of them for the stack's own ``http://127.0.0.1`` services.

So a client of a plain ``http://`` base URL gets a context that trusts no certificate at all
(cheap to make): it never speaks TLS, and if it were ever sent to an ``https`` address the
handshake would fail, never pass unchecked. Any other client gets httpx's own default checks
(``httpx.create_ssl_context()``, the same as ``verify=True``), built once per process.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpx

PLAIN = "http://"


def client(base_url: str = "", **options: Any) -> httpx.Client:
    """``httpx.Client(base_url=base_url, **options)`` with the TLS context for ``base_url``."""
    return httpx.Client(base_url=base_url, verify=tls_context(base_url), **options)


def post(url: str, **options: Any) -> httpx.Response:
    """One POST to a whole URL, as ``httpx.post(url, **options)`` sends it."""
    with httpx.Client(verify=tls_context(url)) as client:
        return client.post(url, **options)


def tls_context(url: str) -> ssl.SSLContext:
    """The context trusting nothing for a plain-HTTP URL; httpx's defaults otherwise."""
    return _trusting_nothing() if url.lower().startswith(PLAIN) else _default_checks()


@functools.cache
def _default_checks() -> ssl.SSLContext:
    return httpx.create_ssl_context()


@functools.cache
def _trusting_nothing() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, against no certificates
