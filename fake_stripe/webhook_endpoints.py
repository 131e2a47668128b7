"""Webhook Endpoints: create (returns the signing secret), retrieve, list, update, delete, and
secret rotation with an overlap during which both secrets sign."""

from __future__ import annotations

from typing import Any

from fake_stripe.account import Account
from fake_stripe.errors import InvalidRequest, ResourceMissing
from fake_stripe.listing import paginate, read_page_params
from fake_stripe.objects.events import WebhookEndpoint
from fake_stripe.params import Params

MAX_ENDPOINTS = 16


def create_endpoint(account: Account, params: Params) -> WebhookEndpoint:
    url = _url(params, required=True)
    assert url is not None
    events = _enabled_events(params, required=True)
    assert events is not None
    endpoint = WebhookEndpoint(
        id=account.ids.new("webhook_endpoint"),
        url=url,
        created=account.now(),
        enabled_events=events,
        secrets=[account.ids.new("webhook_secret")],
        description=params.string("description"),
        metadata=params.metadata() or {},
        api_version=params.string("api_version"),
    )
    params.boolean("connect")
    params.finish()
    if len(account.endpoints) >= MAX_ENDPOINTS:
        raise InvalidRequest(
            f"You have reached the maximum of {MAX_ENDPOINTS} test webhook endpoints.",
            param="url",
        )
    account.endpoints[endpoint.id] = endpoint
    return endpoint


def get_endpoint(account: Account, endpoint_id: str) -> WebhookEndpoint:
    if endpoint_id not in account.endpoints:
        raise ResourceMissing("webhook_endpoint", endpoint_id)
    return account.endpoints[endpoint_id]


def update_endpoint(account: Account, endpoint_id: str, params: Params) -> WebhookEndpoint:
    endpoint = get_endpoint(account, endpoint_id)
    url = _url(params, required=False)
    events = _enabled_events(params, required=False)
    description = params.string("description")
    disabled = params.boolean("disabled")
    metadata = params.metadata()
    params.finish()
    if url is not None:
        endpoint.url = url
    if events is not None:
        endpoint.enabled_events = events
    if description is not None:
        endpoint.description = description
    if disabled is not None:
        endpoint.status = "disabled" if disabled else "enabled"
    if metadata is not None:
        endpoint.metadata.update(metadata)
    return endpoint


def delete_endpoint(account: Account, endpoint_id: str) -> dict[str, Any]:
    endpoint = get_endpoint(account, endpoint_id)
    del account.endpoints[endpoint.id]
    return {**endpoint.to_stripe(), "deleted": True}


def list_endpoints(account: Account, params: Params) -> dict[str, Any]:
    limit, starting_after, ending_before = read_page_params(params)
    params.finish()
    return paginate(
        list(reversed(account.endpoints.values())),
        lambda endpoint: endpoint.id,
        limit=limit,
        starting_after=starting_after,
        ending_before=ending_before,
        url="/v1/webhook_endpoints",
        kind="webhook_endpoint",
        serialise=lambda endpoint: endpoint.to_stripe(),
    )


def roll_secret(account: Account, endpoint_id: str, overlap_seconds: float) -> WebhookEndpoint:
    """A new signing secret; the old one keeps signing for ``overlap_seconds`` of fake time."""
    endpoint = get_endpoint(account, endpoint_id)
    endpoint.secrets = [account.ids.new("webhook_secret"), endpoint.secrets[0]]
    endpoint.previous_secret_expires_at = account.clock.now() + overlap_seconds
    if overlap_seconds <= 0:
        endpoint.secrets = endpoint.secrets[:1]
        endpoint.previous_secret_expires_at = None
    return endpoint


def signing_secrets(account: Account, endpoint: WebhookEndpoint) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous during overlap."""
    expires = endpoint.previous_secret_expires_at
    if expires is not None and account.clock.now() >= expires:
        endpoint.secrets = endpoint.secrets[:1]
        endpoint.previous_secret_expires_at = None
    return list(endpoint.secrets)


def _url(params: Params, *, required: bool) -> str | None:
    url = params.string("url", required=required)
    if url is not None and not url.startswith(("http://", "https://")):
        raise InvalidRequest("Invalid URL: must start with http:// or https://", param="url")
    return url


def _enabled_events(params: Params, *, required: bool) -> list[str] | None:
    events = params.strings("enabled_events")
    if events is None and required:
        raise InvalidRequest("Missing required param: enabled_events.", param="enabled_events")
    if events is not None and not events:
        raise InvalidRequest("enabled_events must not be empty.", param="enabled_events")
    return events
