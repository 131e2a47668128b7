"""Webhook Endpoints: create (returns the signing secret), retrieve, list, update, delete, and
secret rotation with an overlap during which both secrets sign."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from fake_stripe.objects.event_types import ENABLED_EVENTS
from fake_stripe.objects.events import API_VERSION, WebhookEndpoint
from fake_stripe.protocol.errors import InvalidRequest, ResourceMissing
from fake_stripe.protocol.listing import paginate, read_page_params
from fake_stripe.protocol.params import Params
from fake_stripe.resources.account import Account

MAX_ENDPOINTS = 16
# Stripe's version names; events are rendered in API_VERSION whatever an endpoint asks for
_API_VERSION = re.compile(r"20[0-9]{2}-[01][0-9]-[0-3][0-9](\.[a-z]+)?")


def create_endpoint(account: Account, params: Params) -> WebhookEndpoint:
    url = _url(params, required=True)
    events = _enabled_events(params, required=True)
    description = params.string("description")
    metadata = params.metadata() or {}
    api_version = params.string("api_version")
    if api_version is not None and not _API_VERSION.fullmatch(api_version):
        raise InvalidRequest(
            f"Invalid api_version: {api_version[:40]} (a version looks like {API_VERSION})",
            param="api_version",
        )
    params.boolean("connect")
    params.finish()
    if url is None or events is None:  # unreachable: both are required
        raise InvalidRequest("Missing required param: url.", param="url")
    if len(account.endpoints) >= MAX_ENDPOINTS:
        raise InvalidRequest(
            f"You have reached the maximum of {MAX_ENDPOINTS} test webhook endpoints.",
            param="url",
        )
    endpoint = WebhookEndpoint(
        id=account.ids.new("webhook_endpoint"),
        url=url,
        created=account.now(),
        enabled_events=events,
        secrets=[account.ids.new("webhook_secret")],
        description=description,
        metadata=metadata,
        api_version=api_version,
    )
    account.endpoints[endpoint.id] = endpoint
    return endpoint


def get_endpoint(account: Account, endpoint_id: str) -> WebhookEndpoint:
    if endpoint_id not in account.endpoints:
        raise ResourceMissing("webhook_endpoint", endpoint_id, param="webhook_endpoint")
    return account.endpoints[endpoint_id]


def update_endpoint(account: Account, endpoint_id: str, params: Params) -> WebhookEndpoint:
    endpoint = get_endpoint(account, endpoint_id)
    url = _url(params, required=False)
    events = _enabled_events(params, required=False)
    unset_description = params.has("description")
    description = params.string("description")
    disabled = params.boolean("disabled")
    metadata = params.updated_metadata(endpoint.metadata)
    params.finish()
    if url is not None:
        endpoint.url = url
    if events is not None:
        endpoint.enabled_events = events
    if unset_description:
        endpoint.description = description  # ``description=`` unsets it
    if disabled is not None:
        endpoint.status = "disabled" if disabled else "enabled"
    endpoint.metadata = metadata
    return endpoint


def delete_endpoint(account: Account, endpoint_id: str) -> dict[str, Any]:
    endpoint = get_endpoint(account, endpoint_id)
    del account.endpoints[endpoint.id]
    return endpoint.deleted_stripe()


def list_endpoints(account: Account, params: Params) -> dict[str, Any]:
    limit, starting_after, ending_before = read_page_params(params)
    params.finish()
    return paginate(
        list(reversed(account.endpoints)),
        account.endpoints.__getitem__,
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
    if url is None:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed [IPv6 address
        parts = urlsplit("invalid:")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest(
            f"Invalid URL: {url[:200]}. URLs must begin with http:// or https:// and name a host.",
            param="url",
            code="url_invalid",
        )
    return url


def _enabled_events(params: Params, *, required: bool) -> list[str] | None:
    events = params.strings("enabled_events")
    if events is None:
        if required:
            raise InvalidRequest(
                "Missing required param: enabled_events.",
                param="enabled_events",
                code="parameter_missing",
            )
        return None
    for index, event_type in enumerate(events):
        if event_type not in ENABLED_EVENTS:
            raise InvalidRequest(
                f"Invalid enabled_events[{index}]: {event_type[:100]} is not an event type a"
                " webhook endpoint can subscribe to (see"
                " https://docs.stripe.com/api/events/types).",
                param=f"enabled_events[{index}]",
            )
    return list(dict.fromkeys(events))
