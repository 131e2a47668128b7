"""The harness's own reads of Stripe (the fake's ``/v1``), marked as a test's observation with
``Fake-Stripe-Observer: true``, so an API fault meant for the app never meets them and is
never used up by them (docs/control-api.md, faults on the app's API calls)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import stripe

from fake_stripe.client import OBSERVER_HEADER


class ObserverHTTPClient(stripe.HTTPXClient):
    """The SDK's httpx client, every request marked as the harness's own."""

    def __init__(self) -> None:
        super().__init__(allow_sync_methods=True)

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[Any, int, Mapping[str, str]]:
        return super().request(method, url, _marked(headers), post_data)

    def request_stream(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[Any, int, Mapping[str, str]]:
        return super().request_stream(method, url, _marked(headers), post_data)


def observer_client(secret_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_base},
        http_client=ObserverHTTPClient(),
        max_network_retries=0,  # the harness reads; a failure is evidence, not a retry
    )


def _marked(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {**(headers or {}), OBSERVER_HEADER: "true"}
