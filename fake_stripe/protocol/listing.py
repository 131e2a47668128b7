"""Stripe's list envelope and cursor pagination, newest first, and the ``created`` filter.

A cursor (``starting_after``/``ending_before``) names an object, and Stripe pages relative to
that object's place in the whole collection, so a cursor that a filter leaves out still works.
The large collections (events, Checkout Sessions) keep a ``CreationOrder``, so that place is
found without a scan: a sweep paging through tens of thousands of events costs what its pages
show, not the collection's size for every page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar, overload

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


class CreationOrder:
    """The ids of one collection in the order they were made, each with its place. Ids are
    added and all cleared together, never removed one by one: Stripe keeps its objects."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._place: dict[str, int] = {}

    def add(self, id_: str) -> None:
        if id_ not in self._place:
            self._place[id_] = len(self._ids)
            self._ids.append(id_)

    def clear(self) -> None:
        self._ids.clear()
        self._place.clear()

    def newest_first(self) -> NewestFirst:
        return NewestFirst(self._ids, self._place)


class NewestFirst(Sequence[str]):
    """A creation order read newest first, as lists are, without copying it; ``index`` finds
    an id's place in constant time."""

    def __init__(self, ids: list[str], place: dict[str, int]) -> None:
        self._ids = ids
        self._place = place

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._ids[-1 - index if index >= 0 else -1 - (index + len(self))]

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        place = self._place.get(value)
        if place is None:
            raise ValueError(f"{value!r} is not in the list")
        found = len(self._ids) - 1 - place
        if not start <= found < (len(self) if stop is None else stop):
            raise ValueError(f"{value!r} is not in the list")
        return found


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
        page, has_more = _take((lookup(ids[i]) for i in range(after, len(ids))), keep, limit)
    elif ending_before is not None:
        before = _position(ids, ending_before, kind, "ending_before")
        page, has_more = _take((lookup(ids[i]) for i in range(before - 1, -1, -1)), keep, limit)
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
