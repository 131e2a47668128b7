"""Settings of the reference app, read from the environment in this one module."""

from __future__ import annotations

import os
from collections.abc import Mapping
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


@dataclass(frozen=True)
class AppSettings:
    """Everything the web app and the worker read from the environment."""

    database_url: str
    stripe_secret_key: str
    session_secret: str
    # where the Stripe API lives: the real one in production, fake_stripe in tests
    stripe_api_base: str = "https://api.stripe.com"
    # the app's own public address; the webhook URL registered with Stripe derives from it
    public_base_url: str = "http://127.0.0.1:8000"
    # set: verify webhooks with this secret instead of the one stored at registration
    stripe_webhook_secret: str | None = None
    stripe_timeout_seconds: float = 10.0
    stripe_max_network_retries: int = 1
    defects: frozenset[str] = frozenset()
    worker_concurrency: int = 4
    job_max_attempts: int = 5
    job_retry_wait_seconds: float = 1.0  # doubled after each failed attempt
    reconcile_interval_seconds: float = 60.0
    reconcile_lookback_seconds: float = 3 * 24 * 60 * 60
    topup_min_pence: int = 500  # £5.00
    topup_max_pence: int = 100_000  # £1,000.00
    prices: BillingPrices = BillingPrices()

    @property
    def webhook_url(self) -> str:
        return self.public_base_url.rstrip("/") + "/api/webhooks/stripe"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AppSettings:
        env = os.environ if environ is None else environ
        defaults = cls("", "", "")
        return cls(
            database_url=_required(env, "DATABASE_URL"),
            stripe_secret_key=_required(env, "STRIPE_SECRET_KEY"),
            session_secret=_required(env, "SESSION_SECRET"),
            stripe_api_base=env.get("STRIPE_API_BASE") or defaults.stripe_api_base,
            public_base_url=env.get("PUBLIC_BASE_URL") or defaults.public_base_url,
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET") or None,
            stripe_timeout_seconds=_number(
                env, "STRIPE_TIMEOUT_SECONDS", defaults.stripe_timeout_seconds
            ),
            stripe_max_network_retries=int(
                _number(env, "STRIPE_MAX_NETWORK_RETRIES", defaults.stripe_max_network_retries)
            ),
            defects=parse_defect_names(env.get("WALLET_DEFECTS", "")),
            worker_concurrency=int(_number(env, "WORKER_CONCURRENCY", defaults.worker_concurrency)),
            job_max_attempts=int(_number(env, "JOB_MAX_ATTEMPTS", defaults.job_max_attempts)),
            job_retry_wait_seconds=_number(
                env, "JOB_RETRY_WAIT_SECONDS", defaults.job_retry_wait_seconds
            ),
            reconcile_interval_seconds=_number(
                env, "RECONCILE_INTERVAL_SECONDS", defaults.reconcile_interval_seconds
            ),
            reconcile_lookback_seconds=_number(
                env, "RECONCILE_LOOKBACK_SECONDS", defaults.reconcile_lookback_seconds
            ),
            topup_min_pence=_pence(env, "TOPUP_MIN_PENCE", defaults.topup_min_pence),
            topup_max_pence=_pence(env, "TOPUP_MAX_PENCE", defaults.topup_max_pence),
            prices=BillingPrices.from_env(dict(env)),
        )


def parse_defect_names(raw: str) -> frozenset[str]:
    """``WALLET_DEFECTS=a,b``; which names exist is ``reference_app.defects``' business."""
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def database_url(environ: dict[str, str] | None = None) -> str | None:
    """The app's database, from DATABASE_URL (None when unset)."""
    env = os.environ if environ is None else environ
    return env.get("DATABASE_URL") or None


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if not value:
        raise SettingsError(f"{name} must be set")
    return value


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value < 0 or value != value or value == float("inf"):
        raise SettingsError(f"{name} must be a finite number >= 0, got {raw!r}")
    return value


def _pence(env: Mapping[str, str], name: str, default: int) -> int:
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
