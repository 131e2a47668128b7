"""The percentile of the end-of-run summary."""

from __future__ import annotations

import pytest

from harness.plugin.summary import percentile


def test_one_value_is_every_percentile() -> None:
    assert percentile([2.5], 0.0) == 2.5
    assert percentile([2.5], 0.95) == 2.5
    assert percentile([2.5], 1.0) == 2.5


def test_the_ends_are_the_smallest_and_the_largest() -> None:
    values = [5.0, 1.0, 9.0, 3.0]

    assert percentile(values, 0.0) == 1.0
    assert percentile(values, 1.0) == 9.0


def test_the_input_order_does_not_matter_and_is_left_alone() -> None:
    values = [float(n) for n in range(20, 0, -1)]

    assert percentile(values, 0.5) == percentile(sorted(values), 0.5)
    assert values[0] == 20.0  # not sorted in place


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [(0.95, 96.0), (0.5, 51.0), (0.9, 91.0), (0.01, 2.0)],
)
def test_the_nearest_rank_of_a_hundred_and_one_values(fraction: float, expected: float) -> None:
    values = [float(n) for n in range(1, 102)]  # 1..101: index round(fraction * 100) holds that + 1

    assert percentile(values, fraction) == expected


def test_p95_of_twenty_scenarios_is_the_nineteenth() -> None:
    durations = [float(n) for n in range(1, 21)]

    assert percentile(durations, 0.95) == 19.0


@pytest.mark.parametrize(("fraction", "expected"), [(-0.5, 1.0), (1.5, 3.0)])
def test_a_fraction_outside_zero_to_one_is_clamped(fraction: float, expected: float) -> None:
    assert percentile([3.0, 1.0, 2.0], fraction) == expected
