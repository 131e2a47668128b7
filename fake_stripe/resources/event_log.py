"""Events: record (with the API request that caused them), retrieve, and list with Stripe's
filters. Listing events is Stripe's documented way to recover missed webhooks.

Stripe keeps events 30 days (``RETENTION_SECONDS``, on the fake's clock): an older one is no
longer listed, and retrieving it answers 404 as for an id never issued. The deliveries the fake
keeps retrying are its own record and are not cut short by this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fake_stripe.objects.events import Event
from fake_stripe.protocol.errors import InvalidRequest, ResourceMissing
from fake_stripe.protocol.listing import paginate, read_created_filter, read_page_params
from fake_stripe.protocol.params import Params
from fake_stripe.resources.account import Account

RETENTION_SECONDS = 30 * 24 * 60 * 60
MAX_TYPES = 20


@dataclass(frozen=True)
class RequestContext:
    """The API request behind a change: an event it causes names it in ``request``."""

    id: str | None = None
    idempotency_key: str | None = None


def record_event(
    account: Account,
    event_type: str,
    data_object: dict[str, Any],
    request: RequestContext | None = None,
) -> Event:
    if request is None:
        return account.emit(event_type, data_object)
    return account.emit(
        event_type, data_object, request_id=request.id, idempotency_key=request.idempotency_key
    )


def get_event(account: Account, event_id: str) -> Event:
    event = account.events.get(event_id)
    if event is None or event.created < account.now() - RETENTION_SECONDS:
        raise ResourceMissing("event", event_id)
    return event


def list_events(account: Account, params: Params) -> dict[str, Any]:
    limit, starting_after, ending_before = read_page_params(params)
    event_type = params.string("type")
    types = params.strings("types", max_items=MAX_TYPES)
    if event_type is not None and types is not None:
        raise InvalidRequest(
            "You may only specify one of these parameters: type, types.", param="types"
        )
    delivery_success = params.boolean("delivery_success")
    created = read_created_filter(params)
    params.finish()
    oldest_kept = account.now() - RETENTION_SECONDS
    type_matches = _type_filter(event_type, types)
    return paginate(
        account.event_order.newest_first(),
        account.events.__getitem__,
        keep=lambda event: (
            event.created >= oldest_kept
            and type_matches(event.type)
            and (delivery_success is None or event.delivery_success == delivery_success)
            and created(event.created)
        ),
        limit=limit,
        starting_after=starting_after,
        ending_before=ending_before,
        url="/v1/events",
        kind="event",
        serialise=lambda event: event.to_stripe(),
    )


def _type_filter(wanted: str | None, wanted_any: list[str] | None) -> Callable[[str], bool]:
    """``type=checkout.session.completed``, or a wildcard such as ``checkout.session.*``; or
    ``types``, any of several."""
    patterns = [wanted] if wanted is not None else wanted_any
    if patterns is None:
        return lambda actual: True
    exact = frozenset(p for p in patterns if not p.endswith(".*"))
    prefixes = tuple(p[:-1] for p in patterns if p.endswith(".*"))
    return lambda actual: actual in exact or (bool(prefixes) and actual.startswith(prefixes))
