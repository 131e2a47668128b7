"""Settings of the reference app, read from the environment in this one module."""

from __future__ import annotations

import os
from dataclasses import dataclass


class SettingsError(ValueError):
    """An environment variable holds a value the app cannot use."""


@dataclass(frozen=True)
class BillingPrices:
    """What the billing gates charge, in pence. Override with the WALLET_PRICE_* variables."""

    phone_number_pence: int = 100  # provisioning one phone number: £1.00
    sms_pence: int = 4  # one outbound SMS: £0.04
    call_minimum_balance_pence: int = 50  # a call is authorised only from £0.50 up

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> BillingPrices:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            phone_number_pence=_pence(
                env, "WALLET_PRICE_PHONE_NUMBER_PENCE", defaults.phone_number_pence
            ),
            sms_pence=_pence(env, "WALLET_PRICE_SMS_PENCE", defaults.sms_pence),
            call_minimum_balance_pence=_pence(
                env, "WALLET_CALL_MINIMUM_BALANCE_PENCE", defaults.call_minimum_balance_pence
            ),
        )


def database_url(environ: dict[str, str] | None = None) -> str | None:
    """The app's database, from DATABASE_URL (None when unset)."""
    env = os.environ if environ is None else environ
    return env.get("DATABASE_URL") or None


def _pence(env: os._Environ[str] | dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number of pence, got {raw!r}") from None
    if value < 1:
        raise SettingsError(f"{name} must be at least 1 penny, got {value}")
    return value
