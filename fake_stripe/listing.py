"""Stripe's list envelope and cursor pagination, newest first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fake_stripe.errors import InvalidRequest, ResourceMissing
from fake_stripe.params import Params

T = TypeVar("T")


def read_page_params(params: Params) -> tuple[int, str | None, str | None]:
    limit = params.integer("limit", minimum=1, maximum=100)
    starting_after = params.string("starting_after")
    ending_before = params.string("ending_before")
    if starting_after and ending_before:
        raise InvalidRequest(
            "You may only specify one of these parameters: ending_before, starting_after.",
            param="ending_before",
        )
    return (limit or 10), starting_after, ending_before


def paginate(
    newest_first: Sequence[T],
    object_id: Callable[[T], str],
    *,
    limit: int,
    starting_after: str | None,
    ending_before: str | None,
    url: str,
    kind: str,
    serialise: Callable[[T], dict[str, Any]],
) -> dict[str, Any]:
    ids = [object_id(item) for item in newest_first]
    if starting_after is not None:
        if starting_after not in ids:
            raise ResourceMissing(kind, starting_after, param="starting_after")
        start = ids.index(starting_after) + 1
        page = list(newest_first[start : start + limit])
        has_more = start + limit < len(newest_first)
    elif ending_before is not None:
        if ending_before not in ids:
            raise ResourceMissing(kind, ending_before, param="ending_before")
        end = ids.index(ending_before)
        page = list(newest_first[max(0, end - limit) : end])
        has_more = end - limit > 0
    else:
        page = list(newest_first[:limit])
        has_more = len(newest_first) > limit
    return {
        "object": "list",
        "data": [serialise(i) for i in page],
        "has_more": has_more,
        "url": url,
    }
