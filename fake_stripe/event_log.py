"""Events: retrieve, and list with Stripe's filters.

Listing events is Stripe's documented way to recover missed webhooks.
"""

from __future__ import annotations

from typing import Any

from fake_stripe.account import Account
from fake_stripe.errors import InvalidRequest, ResourceMissing
from fake_stripe.listing import paginate, read_page_params
from fake_stripe.objects.events import Event
from fake_stripe.params import Params

RETENTION_SECONDS = 30 * 24 * 60 * 60


def get_event(account: Account, event_id: str) -> Event:
    if event_id not in account.events:
        raise ResourceMissing("event", event_id)
    return account.events[event_id]


def list_events(account: Account, params: Params) -> dict[str, Any]:
    limit, starting_after, ending_before = read_page_params(params)
    event_type = params.string("type")
    types = params.strings("types")
    if event_type is not None and types is not None:
        raise InvalidRequest("You may only specify one of type and types.", param="types")
    delivery_success = params.boolean("delivery_success")
    created = _created_filter(params)
    params.finish()
    oldest_kept = account.now() - RETENTION_SECONDS
    selected = [
        event
        for event in reversed(account.events.values())
        if event.created >= oldest_kept
        and _type_matches(event.type, event_type, types)
        and (delivery_success is None or event.delivery_success == delivery_success)
        and all(_compare(event.created, op, bound) for op, bound in created)
    ]
    return paginate(
        selected,
        lambda event: event.id,
        limit=limit,
        starting_after=starting_after,
        ending_before=ending_before,
        url="/v1/events",
        kind="event",
        serialise=lambda event: event.to_stripe(),
    )


def _type_matches(actual: str, wanted: str | None, wanted_any: list[str] | None) -> bool:
    patterns = [wanted] if wanted is not None else wanted_any
    if patterns is None:
        return True
    return any(
        actual == pattern or (pattern.endswith(".*") and actual.startswith(pattern[:-1]))
        for pattern in patterns
    )


def _created_filter(params: Params) -> list[tuple[str, int]]:
    if not params.has("created"):
        return []
    raw = params.child("created")
    if raw is None:
        return []
    bounds = []
    for op in ("gt", "gte", "lt", "lte"):
        value = raw.integer(op)
        if value is not None:
            bounds.append((op, value))
    raw.finish()
    return bounds


def _compare(created: int, op: str, bound: int) -> bool:
    return {
        "gt": created > bound,
        "gte": created >= bound,
        "lt": created < bound,
        "lte": created <= bound,
    }[op]
