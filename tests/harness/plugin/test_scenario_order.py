"""The suite's order: the ``@seed-bug`` scenarios last, so the session's one stack restarts its
app for them once; and the start-ups a test pays for the session, recorded apart."""

from __future__ import annotations

from typing import Any

from harness.plugin.fixtures import STARTUP_PROPERTY, _note_startup
from harness.plugin.scenario_hooks import seed_bug_last


class Item:
    def __init__(self, name: str, *markers: str) -> None:
        self.name = name
        self.markers = markers
        self.user_properties: list[tuple[str, Any]] = []

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self.markers else None


def test_seed_bug_scenarios_run_last_each_group_in_its_order() -> None:
    items: list[Any] = [
        Item("a"),
        Item("bug_1", "seed-bug"),
        Item("b"),
        Item("bug_2", "seed-bug"),
        Item("c"),
    ]

    seed_bug_last(items)

    assert [item.name for item in items] == ["a", "b", "c", "bug_1", "bug_2"]


def test_a_suite_without_seed_bug_scenarios_keeps_its_order() -> None:
    items: list[Any] = [Item("c"), Item("a"), Item("b")]

    seed_bug_last(items)

    assert [item.name for item in items] == ["c", "a", "b"]


def test_a_start_up_is_recorded_with_what_started_and_its_milliseconds() -> None:
    item: Any = Item("first")
    started = 0.0  # perf_counter()'s origin: long ago

    _note_startup(item, "stack", started)

    ((name, value),) = item.user_properties
    what, _, ms = value.partition("|")
    assert (name, what) == (STARTUP_PROPERTY, "stack")
    assert float(ms) > 200


def test_a_stack_found_running_is_no_start_up() -> None:
    import time

    item: Any = Item("later")

    _note_startup(item, "stack", time.perf_counter())

    assert item.user_properties == []
