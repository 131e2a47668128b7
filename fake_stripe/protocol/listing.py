"""Stripe's list envelope and cursor pagination, newest first, and the ``created`` filter.

A cursor (``starting_after``/``ending_before``) names an object, and Stripe pages relative to
that object's place in the whole collection, so a cursor that a filter leaves out still works.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fake_stripe.protocol.errors import InvalidRequest, ResourceMissing
from fake_stripe.protocol.params import Params

T = TypeVar("T")
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
_COMPARISONS: dict[str, Callable[[int, int], bool]] = {
    "gt": lambda value, bound: value > bound,
    "gte": lambda value, bound: value >= bound,
    "lt": lambda value, bound: value < bound,
    "lte": lambda value, bound: value <= bound,
}


def read_page_params(params: Params) -> tuple[int, str | None, str | None]:
    limit = params.integer("limit", minimum=1, maximum=MAX_LIMIT)
    starting_after = params.string("starting_after")
    ending_before = params.string("ending_before")
    if starting_after and ending_before:
        raise InvalidRequest(
            "You may only specify one of these parameters: ending_before, starting_after.",
            param="ending_before",
        )
    return (limit or DEFAULT_LIMIT), starting_after, ending_before


def read_created_filter(params: Params, key: str = "created") -> Callable[[int], bool]:
    """``created=<ts>`` or ``created[gt|gte|lt|lte]=<ts>``: a predicate on a timestamp."""
    if params.given_as_string(key):
        exact = params.integer(key)
        return lambda created: exact is None or created == exact
    bounds_params = params.child(key)
    bounds: list[tuple[Callable[[int, int], bool], int]] = []
    if bounds_params is not None:
        for op, compare in _COMPARISONS.items():
            value = bounds_params.integer(op)
            if value is not None:
                bounds.append((compare, value))
        bounds_params.finish()
    return lambda created: all(compare(created, bound) for compare, bound in bounds)


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
    order: Sequence[str] | None = None,
) -> dict[str, Any]:
    """One page of ``newest_first`` (already filtered). ``order`` is every id of the collection
    in the same order, filtered or not: where a cursor is looked up. Default: the page's ids."""
    ids = [object_id(item) for item in newest_first]
    rank = {each: position for position, each in enumerate(order or ids)}
    if starting_after is not None:
        if starting_after not in rank:
            raise ResourceMissing(kind, starting_after, param="starting_after", in_url=False)
        cursor = rank[starting_after]
        after = [item for item, each in zip(newest_first, ids, strict=True) if rank[each] > cursor]
        page = after[:limit]
        has_more = len(after) > limit
    elif ending_before is not None:
        if ending_before not in rank:
            raise ResourceMissing(kind, ending_before, param="ending_before", in_url=False)
        cursor = rank[ending_before]
        before = [item for item, each in zip(newest_first, ids, strict=True) if rank[each] < cursor]
        page = before[max(0, len(before) - limit) :]
        has_more = len(before) > limit
    else:
        page = list(newest_first[:limit])
        has_more = len(newest_first) > limit
    return {
        "object": "list",
        "data": [serialise(item) for item in page],
        "has_more": has_more,
        "url": url,
    }
