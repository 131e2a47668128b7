"""Money as an app's screen writes it (an app profile's ``screen.money``), and as a customer
types it; the features' own ``£50.00`` stays the default."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from harness.money import format_money, plain_pounds
from harness.profile.model import Screen


@pytest.mark.parametrize(
    ("written", "pence", "shown"),
    [
        ("£{pounds}", 5000, "£50.00"),
        ("${pounds}", 123456, "$1,234.56"),
        ("{pounds} GBP", 4, "0.04 GBP"),
        ("${pounds}", -4, "-$0.04"),
        ("{{{pounds}}}", 100, "{1.00}"),
    ],
)
def test_the_screen_writes_money_as_the_profile_says(written: str, pence: int, shown: str) -> None:
    assert format_money(pence, written) == shown


def test_the_default_is_how_the_features_write_money() -> None:
    assert (
        format_money(100000)
        == format_money(100000, Screen.model_fields["money"].default)
        == "£1,000.00"
    )


@pytest.mark.parametrize(("pence", "typed"), [(5000, "50.00"), (123456, "1234.56"), (5, "0.05")])
def test_a_customer_types_plain_pounds(pence: int, typed: str) -> None:
    assert plain_pounds(pence) == typed


@pytest.mark.parametrize("money", ["£", "{amount}", "{pounds}{pounds}", "£{pounds", "{0}"])
def test_a_profiles_money_names_pounds_once_and_nothing_else(money: str) -> None:
    with pytest.raises(ValidationError, match=r"name \{pounds\} once"):
        Screen(money=money)
