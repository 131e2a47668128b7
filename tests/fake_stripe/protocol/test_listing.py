"""The creation order the large lists page through: read newest first like the reversed list of
ids it replaces, every cursor's page the same, each id's place found without a scan."""

from __future__ import annotations

import pytest

from fake_stripe.protocol.errors import ResourceMissing
from fake_stripe.protocol.listing import CreationOrder, paginate

IDS = [f"evt_{n}" for n in range(23)]


def made(ids: list[str]) -> CreationOrder:
    order = CreationOrder()
    for id_ in ids:
        order.add(id_)
    return order


def page(ids: object, **cursor: str | None) -> tuple[list[str], bool]:
    found = paginate(
        ids,  # type: ignore[arg-type]
        lambda id_: id_,
        keep=lambda id_: int(id_.split("_")[1]) % 3 != 0,  # a filter the cursor may not pass
        limit=4,
        starting_after=cursor.get("starting_after"),
        ending_before=cursor.get("ending_before"),
        url="/v1/events",
        kind="event",
        serialise=lambda id_: {"id": id_},
    )
    return [item["id"] for item in found["data"]], found["has_more"]


def test_newest_first_reads_as_the_reversed_ids() -> None:
    view, reversed_ids = made(IDS).newest_first(), list(reversed(IDS))
    assert len(view) == len(reversed_ids)
    assert list(view) == reversed_ids
    assert [view[i] for i in range(-len(IDS), len(IDS))] == [
        reversed_ids[i] for i in range(-len(IDS), len(IDS))
    ]
    assert view[3:9] == reversed_ids[3:9]
    assert view[::-2] == reversed_ids[::-2]
    assert [view.index(id_) for id_ in IDS] == [reversed_ids.index(id_) for id_ in IDS]
    with pytest.raises(IndexError):
        view[len(IDS)]
    with pytest.raises(ValueError, match="not in the list"):
        view.index("evt_x")
    with pytest.raises(ValueError, match="not in the list"):
        view.index(reversed_ids[2], 3)  # before where the search starts


def test_every_cursor_pages_as_over_the_reversed_ids() -> None:
    view, reversed_ids = made(IDS).newest_first(), list(reversed(IDS))
    assert page(view) == page(reversed_ids)
    for id_ in IDS:
        assert page(view, starting_after=id_) == page(reversed_ids, starting_after=id_)
        assert page(view, ending_before=id_) == page(reversed_ids, ending_before=id_)
    with pytest.raises(ResourceMissing):
        page(view, starting_after="evt_x")


def test_an_id_is_placed_once_and_a_clear_starts_again() -> None:
    order = made(IDS[:3])
    order.add(IDS[0])  # an object saved again keeps its place
    assert list(order.newest_first()) == ["evt_2", "evt_1", "evt_0"]
    view = order.newest_first()
    order.add("evt_9")  # the view reads the order as it is now
    assert view[0] == "evt_9"
    assert view.index("evt_0") == 3
    order.clear()
    assert list(order.newest_first()) == []
    order.add("evt_5")
    assert order.newest_first().index("evt_5") == 0
