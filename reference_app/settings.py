"""Settings of the reference app, read from the environment in this one module.

pydantic does the reading: each field names its variable, its default and its unit, and a value
the app cannot use is refused with the variable's name and what it takes (``SettingsError``).
An empty variable counts as unset. ``from_env`` reads only the variables named here, from
``os.environ`` or the mapping it is given.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Annotated, Any, Self
from urllib.parse import urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError


class SettingsError(ValueError):
    """An environment variable holds a value the app cannot use."""


def _seconds(raw: Any) -> float:
    """A finite number from 0 up (seconds, attempts, workers)."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"must be a number, got {raw!r}") from None
    if value < 0 or not math.isfinite(value):
        raise ValueError(f"must be a finite number >= 0, got {raw!r}")
    return value


def _count(raw: Any) -> int:
    """A number from 0 up, whole part taken (``2.5`` attempts are 2)."""
    return int(_seconds(raw))


def _page_size(raw: Any) -> int:
    """How many objects one Stripe list call asks for: 1 to 100, as Stripe takes."""
    value = _count(raw)
    if not 1 <= value <= 100:
        raise ValueError(f"must be from 1 to 100, as Stripe's limit takes, got {raw!r}")
    return value


def _pence(raw: Any) -> int:
    """A whole number of pence, from 1 up."""
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"must be a whole number of pence, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"must be at least 1 penny, got {value}")
    return value


def postgres_url(raw: Any) -> str:
    """A PostgreSQL URL libpq can read (``postgresql://user@host:5432/wallet``): one it cannot
    never connects, so it is refused at start rather than retried for ever by the pool. The
    message never repeats the URL, which may hold a password."""
    text = str(raw)
    scheme = urlsplit(text).scheme
    if scheme not in ("postgresql", "postgres"):
        found = f"it starts {scheme}://" if scheme else "it has no scheme"
        raise ValueError(f"must be a PostgreSQL URL like postgresql://user@host/wallet; {found}")
    try:
        parts = conninfo_to_dict(text)
    except psycopg.ProgrammingError as error:
        raise ValueError(f"is not a URL libpq reads: {str(error).strip()}") from None
    ports = str(parts.get("port") or "5432").split(",")
    if not all(port.isdigit() and 1 <= int(port) <= 65535 for port in ports):
        raise ValueError(f"names a port that is not 1 to 65535: {parts['port']}")
    return text


def parse_defect_names(raw: Any) -> frozenset[str]:
    """``WALLET_DEFECTS=a,b``; which names exist is ``reference_app.defects``' business."""
    if not isinstance(raw, str):
        return frozenset(raw)
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


Seconds = Annotated[float, BeforeValidator(_seconds)]
Count = Annotated[int, BeforeValidator(_count)]
Pence = Annotated[int, BeforeValidator(_pence)]
PageSize = Annotated[int, BeforeValidator(_page_size)]
DefectNames = Annotated[frozenset[str], BeforeValidator(parse_defect_names)]
PostgresUrl = Annotated[str, BeforeValidator(postgres_url)]


class _FromEnvironment(BaseModel):
    # validate_by_name: the tests build settings by field name, the environment by variable
    model_config = ConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        env = os.environ if environ is None else environ
        variables = {field.validation_alias for field in cls.model_fields.values()}
        given = {name: value for name, value in env.items() if name in variables and value}
        try:
            return cls.model_validate(given)
        except ValidationError as error:
            raise SettingsError(_describe(error)) from None


class BillingPrices(_FromEnvironment):
    """What the billing gates charge, in pence. Override with the WALLET_PRICE_* variables."""

    # provisioning one phone number: £1.00
    phone_number_pence: Pence = Field(
        default=100, validation_alias="WALLET_PRICE_PHONE_NUMBER_PENCE"
    )
    # one outbound SMS: £0.04
    sms_pence: Pence = Field(default=4, validation_alias="WALLET_PRICE_SMS_PENCE")
    # a call is authorised only from £0.50 up
    call_minimum_balance_pence: Pence = Field(
        default=50, validation_alias="WALLET_CALL_MINIMUM_BALANCE_PENCE"
    )


class AppSettings(_FromEnvironment):
    """Everything the web app and the worker read from the environment."""

    database_url: PostgresUrl = Field(validation_alias="DATABASE_URL")
    stripe_secret_key: str = Field(validation_alias="STRIPE_SECRET_KEY")
    session_secret: str = Field(validation_alias="SESSION_SECRET")
    # where the Stripe API lives: the real one in production, fake_stripe in tests
    stripe_api_base: str = Field(
        default="https://api.stripe.com", validation_alias="STRIPE_API_BASE"
    )
    # the app's own public address; the webhook URL registered with Stripe derives from it
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", validation_alias="PUBLIC_BASE_URL"
    )
    # set: verify webhooks with this secret instead of the one stored at registration
    stripe_webhook_secret: str | None = Field(
        default=None, validation_alias="STRIPE_WEBHOOK_SECRET"
    )
    stripe_timeout_seconds: Seconds = Field(default=10.0, validation_alias="STRIPE_TIMEOUT_SECONDS")
    # how long the slow-handler defect's webhook handler takes: longer than Stripe waits for an
    # answer (the fake's 5 s by default), so that the delivery times out though it was processed
    slow_handler_seconds: Seconds = Field(default=6.0, validation_alias="SLOW_HANDLER_SECONDS")
    stripe_max_network_retries: Count = Field(
        default=1, validation_alias="STRIPE_MAX_NETWORK_RETRIES"
    )
    defects: DefectNames = Field(default=frozenset(), validation_alias="WALLET_DEFECTS")
    worker_concurrency: Count = Field(default=4, validation_alias="WORKER_CONCURRENCY")
    job_max_attempts: Count = Field(default=5, validation_alias="JOB_MAX_ATTEMPTS")
    # growing linearly: the n-th retry waits n + 1 times this
    job_retry_wait_seconds: Seconds = Field(default=1.0, validation_alias="JOB_RETRY_WAIT_SECONDS")
    # how often the worker looks for jobs that fell due (a retry's wait over): a new job wakes
    # it at once (LISTEN/NOTIFY), a retry only at its next look
    job_poll_seconds: Seconds = Field(default=5.0, validation_alias="JOB_POLL_SECONDS")
    # a job left "doing" by a worker silent this long is queued again (reference_app/stalled_jobs)
    job_stalled_after_seconds: Seconds = Field(
        default=30.0, validation_alias="JOB_STALLED_AFTER_SECONDS"
    )
    # how long a worker writes a job's end again while the database does not answer, before
    # leaving the job to the stalled-job sweep (reference_app/queue_connector)
    job_end_patience_seconds: Seconds = Field(
        default=120.0, validation_alias="JOB_END_PATIENCE_SECONDS"
    )
    reconcile_interval_seconds: Seconds = Field(
        default=60.0, validation_alias="RECONCILE_INTERVAL_SECONDS"
    )
    # how far back a sweep looks at least; further, back to where the last complete sweep
    # started (reference_app/reconcile.py), as long as Stripe lists the events (30 days)
    reconcile_lookback_seconds: Seconds = Field(
        default=3 * 86400.0, validation_alias="RECONCILE_LOOKBACK_SECONDS"
    )
    # events per page of Stripe's event list the sweep reads (it reads every page)
    reconcile_page_size: PageSize = Field(default=100, validation_alias="RECONCILE_PAGE_SIZE")
    # how long a sweep waits before reading again the sessions whose read failed for now (a 5xx,
    # a timeout), doubled before the next round; longer where Stripe's Retry-After says so
    reconcile_retry_pause_seconds: Seconds = Field(
        default=0.5, validation_alias="RECONCILE_RETRY_PAUSE_SECONDS"
    )
    # set: the app's clock is the one this URL serves (reference_app/clock.py), e.g. a test
    # Stripe's clock that moves days in a second; unset: real time
    clock_url: str | None = Field(default=None, validation_alias="WALLET_CLOCK_URL")
    # refused deliveries kept for the recent failures: the newest this many (a flood of forged
    # webhooks must not grow the table without bound)
    webhook_rejections_kept: Count = Field(
        default=10_000, validation_alias="WEBHOOK_REJECTIONS_KEPT"
    )
    # £5.00 to £1,000.00 by default
    topup_min_pence: Pence = Field(default=500, validation_alias="TOPUP_MIN_PENCE")
    topup_max_pence: Pence = Field(default=100_000, validation_alias="TOPUP_MAX_PENCE")
    # read from their own variables by from_env
    prices: BillingPrices = Field(default=BillingPrices())

    @property
    def webhook_url(self) -> str:
        return self.public_base_url.rstrip("/") + "/api/webhooks/stripe"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        env = os.environ if environ is None else environ
        settings = super().from_env(env)
        return settings.model_copy(update={"prices": BillingPrices.from_env(env)})


def database_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The app's database, from DATABASE_URL (None when unset)."""
    env = os.environ if environ is None else environ
    return env.get("DATABASE_URL") or None


def _describe(error: ValidationError) -> str:
    """``TOPUP_MIN_PENCE must be at least 1 penny, got 0; SESSION_SECRET must be set``."""
    problems = []
    for problem in error.errors():
        name = problem["loc"][0] if problem["loc"] else "?"
        if problem["type"] == "missing":
            problems.append(f"{name} must be set")
        else:
            cause = problem.get("ctx", {}).get("error")
            problems.append(f"{name} {cause if cause is not None else problem['msg']}")
    return "; ".join(problems)
