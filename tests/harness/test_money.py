"""The one money parser the steps use, and the format it reads back."""

from __future__ import annotations

import pytest

from harness.money import format_money, parse_money, whole_money


@pytest.mark.parametrize(
    ("text", "pence"),
    [("£50.00", 5000), ("£0.04", 4), ("-£5.00", -500), ("£1,000.00", 100000), ("£1000.00", 100000)],
)
def test_money_as_people_write_it(text: str, pence: int) -> None:
    assert parse_money(text) == pence
    assert parse_money(format_money(pence)) == pence


@pytest.mark.parametrize("text", ["50", "£50", "£50.0", "$50.00", "£5,0.00", "£-5.00", ""])
def test_anything_else_is_not_money(text: str) -> None:
    with pytest.raises(ValueError, match=r"not an amount of money like £50\.00"):
        parse_money(text)


@pytest.mark.parametrize(
    ("pence", "written", "shown"),
    [(5000, "£{pounds}", "£50"), (100000, "${pounds}", "$1,000"), (1250, "£{pounds}", None)],
)
def test_a_whole_amount_without_its_pence(pence: int, written: str, shown: str | None) -> None:
    assert whole_money(pence, written) == shown
