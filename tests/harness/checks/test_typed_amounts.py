"""The amounts the typed-amount property draws (``harness.checks.typed_amounts``): every form
reads back to its pence, the edges and one penny either side are drawn, and the amounts a float
cannot hold are the ones that lose a penny through one; the shares split the cases between
them, each once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings

from harness.checks.typed_amounts import (
    API,
    DASHBOARD,
    AmountCase,
    amount_cases,
    deal,
    edges,
    float_hostile,
    search,
    typed_form,
)

LOW, HIGH = 500, 100_000


def read_back(typed: str) -> int:
    """Pence from a typed form, by decimal arithmetic (no float)."""
    return int(Decimal(typed.removeprefix("£").replace(",", "")) * 100)


@pytest.mark.parametrize(
    ("pence", "pound_sign", "commas", "decimals", "typed"),
    [
        (100_000, True, True, 0, "£1,000"),
        (100_000, False, False, 2, "1000.00"),
        (750, True, False, 0, "£7.5"),  # an amount with tenths needs one decimal at least
        (1099, False, False, 0, "10.99"),
        (499, False, False, 2, "4.99"),
        (100_001, False, True, 1, "1,000.01"),
    ],
)
def test_an_amount_is_typed_as_customers_write_it(
    pence: int, pound_sign: bool, commas: bool, decimals: int, typed: str
) -> None:
    assert typed_form(pence, pound_sign=pound_sign, commas=commas, decimals=decimals) == typed


@settings(max_examples=200, derandomize=True, database=None)
@given(case=amount_cases(LOW, HIGH))
def test_every_drawn_case_reads_back_to_its_pence(case: AmountCase) -> None:
    assert read_back(case.typed) == case.pence
    assert case.route in (API, DASHBOARD)
    assert LOW - 1 <= case.pence <= HIGH + 1


def test_the_edges_are_the_limits_and_one_penny_either_side() -> None:
    assert edges(LOW, HIGH) == [499, 500, 100_000, 100_001]


def test_float_hostile_amounts_lose_a_penny_through_a_float_and_no_others_do() -> None:
    hostile = float_hostile(LOW, HIGH)
    assert 1999 in hostile
    assert 1099 not in hostile
    assert 0 < len(hostile) < (HIGH - LOW) // 10
    for pence in (1999, 6435, 502):
        assert int(float(f"{pence / 100:.2f}") * 100) == pence - 1


def test_the_search_meets_the_same_cases_in_the_same_order_every_time() -> None:
    """What lets each share list the cases before paying: the same list in every run."""
    first: list[AmountCase] = []
    second: list[AmountCase] = []

    search(LOW, HIGH, 12, first.append)
    search(LOW, HIGH, 12, second.append)

    assert first == second
    assert AmountCase(502, DASHBOARD, "5.02") in first  # the explicit cases are in it
    assert len(first) > 12


@pytest.mark.parametrize("shares", [1, 2, 5, 7])
def test_the_shares_pay_every_case_once_between_them_and_evenly(shares: int) -> None:
    cases: list[AmountCase] = []
    search(LOW, HIGH, 12, cases.append)

    dealt = [deal(cases, LOW, HIGH, (k, shares)) for k in range(1, shares + 1)]

    assert set().union(*dealt) == set(cases)  # every case
    assert sum(map(len, dealt)) == len(set(cases))  # once
    payments = [sum(LOW <= case.pence <= HIGH for case in share) for share in dealt]
    assert max(payments) - min(payments) <= 1, payments  # and evenly


def test_a_share_outside_one_to_n_is_refused() -> None:
    with pytest.raises(ValueError, match="share 0 of 5"):
        deal([], LOW, HIGH, (0, 5))
    with pytest.raises(ValueError, match="share 6 of 5"):
        deal([], LOW, HIGH, (6, 5))
