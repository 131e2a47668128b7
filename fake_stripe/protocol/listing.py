"""Stripe's list envelope and cursor pagination, newest first, and the ``created`` filter.

A cursor (``starting_after``/``ending_before``) names an object, and Stripe pages relative to
that object's place in the whole collection, so a cursor that a filter leaves out still works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import islice
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
    ids: Sequence[str],
    lookup: Callable[[str], T],
    *,
    keep: Callable[[T], bool] | None = None,
    limit: int,
    starting_after: str | None,
    ending_before: str | None,
    url: str,
    kind: str,
    serialise: Callable[[T], dict[str, Any]],
) -> dict[str, Any]:
    """One page of the collection whose ids are ``ids`` in the list's order (newest first, for
    most): the ``limit`` objects that ``keep`` accepts next to the cursor, looked up by id.

    The objects are visited lazily from the cursor on, so a page costs what it shows and what
    the filter passes over, not the whole collection: a sweep paging through tens of thousands
    of events stays linear."""
    if starting_after is not None:
        after = _position(ids, starting_after, kind, "starting_after") + 1
        page, has_more = _take((lookup(each) for each in ids[after:]), keep, limit)
    elif ending_before is not None:
        before = _position(ids, ending_before, kind, "ending_before")
        page, has_more = _take((lookup(each) for each in reversed(ids[:before])), keep, limit)
        page.reverse()  # the objects just before the cursor, in the list's order
    else:
        page, has_more = _take((lookup(each) for each in ids), keep, limit)
    return {
        "object": "list",
        "data": [serialise(item) for item in page],
        "has_more": has_more,
        "url": url,
    }


def _position(ids: Sequence[str], cursor: str, kind: str, param: str) -> int:
    try:
        return ids.index(cursor)
    except ValueError:
        raise ResourceMissing(kind, cursor, param=param, in_url=False) from None


def _take(
    candidates: Iterator[T], keep: Callable[[T], bool] | None, limit: int
) -> tuple[list[T], bool]:
    """The first ``limit`` candidates ``keep`` accepts, and whether another one follows."""
    chosen = candidates if keep is None else filter(keep, candidates)
    page = list(islice(chosen, limit + 1))
    return page[:limit], len(page) > limit
