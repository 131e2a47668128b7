"""Settings from the environment, and money formatting."""

from __future__ import annotations

import pytest

from reference_app.money import format_pence
from reference_app.settings import BillingPrices, SettingsError


@pytest.mark.parametrize(
    ("pence", "text"),
    [(0, "£0.00"), (5000, "£50.00"), (4, "£0.04"), (-4, "-£0.04"), (123456, "£1,234.56")],
)
def test_pence_read_as_pounds(pence: int, text: str) -> None:
    assert format_pence(pence) == text


def test_prices_have_defaults_and_environment_overrides() -> None:
    assert BillingPrices.from_env({}) == BillingPrices()
    prices = BillingPrices.from_env({"WALLET_PRICE_SMS_PENCE": "7"})
    assert prices.sms_pence == 7
    assert prices.phone_number_pence == BillingPrices().phone_number_pence


@pytest.mark.parametrize(
    ("value", "message"),
    [("4.5", "whole number of pence, got '4.5'"), ("0", "at least 1 penny"), ("x", "got 'x'")],
)
def test_a_bad_price_names_the_variable(value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"WALLET_PRICE_SMS_PENCE must be .*{message}"):
        BillingPrices.from_env({"WALLET_PRICE_SMS_PENCE": value})
