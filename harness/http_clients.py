"""The harness's HTTP clients, without a certificate store loaded for each.

An ``httpx.Client`` builds its TLS context when it is made, whatever it will talk to, and that
loads the whole CA bundle: about 50 ms a client on a 2-core runner. The harness makes clients
for a scenario's page checks, API calls and forged deliveries, and short-lived commands make
one each, nearly all of them for the stack's own ``http://127.0.0.1`` services.

The context comes from ``fake_stripe.client.tls_context``, the one rule the fake's control
client follows too: a plain ``http://`` URL gets a context that trusts no certificate at all
(cheap to make; it never speaks TLS, and if it were ever sent to an ``https`` address the
handshake would fail, never pass unchecked); any other gets httpx's own default checks
(``httpx.create_ssl_context()``, the same as ``verify=True``), built once per process.
"""

from __future__ import annotations

from typing import Any

import httpx

from fake_stripe.client import tls_context as tls_context


def client(base_url: str = "", **options: Any) -> httpx.Client:
    """``httpx.Client(base_url=base_url, **options)`` with the TLS context for ``base_url``."""
    return httpx.Client(base_url=base_url, verify=tls_context(base_url), **options)


def post(url: str, **options: Any) -> httpx.Response:
    """One POST to a whole URL, as ``httpx.post(url, **options)`` sends it."""
    with httpx.Client(verify=tls_context(url)) as http:
        return http.post(url, **options)
