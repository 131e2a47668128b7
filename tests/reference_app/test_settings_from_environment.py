"""The app's settings from the environment: defaults, units, empty variables as unset, and a
refusal that names every variable the app cannot use."""

from __future__ import annotations

import pytest

from reference_app.settings import AppSettings, SettingsError

REQUIRED = {
    "DATABASE_URL": "postgresql://wallet@db/wallet",
    "STRIPE_SECRET_KEY": "sk_test_123",
    "SESSION_SECRET": "change-me",
}


def test_the_required_three_and_every_default() -> None:
    settings = AppSettings.from_env(REQUIRED)

    assert settings.database_url == REQUIRED["DATABASE_URL"]
    assert settings.stripe_api_base == "https://api.stripe.com"
    assert settings.webhook_url == "http://127.0.0.1:8000/api/webhooks/stripe"
    assert settings.stripe_webhook_secret is None
    assert (settings.job_max_attempts, settings.worker_concurrency) == (5, 4)
    assert settings.reconcile_lookback_seconds == 3 * 86400
    assert (settings.topup_min_pence, settings.topup_max_pence) == (500, 100_000)
    assert settings.prices.sms_pence == 4
    assert settings.defects == frozenset()


def test_variables_override_and_empty_ones_count_as_unset() -> None:
    settings = AppSettings.from_env(
        {
            **REQUIRED,
            "PUBLIC_BASE_URL": "https://wallet.example/",
            "STRIPE_WEBHOOK_SECRET": "",
            "WALLET_DEFECTS": " seed-bug , lost-update,",
            "JOB_RETRY_WAIT_SECONDS": "0.5",
            "STRIPE_MAX_NETWORK_RETRIES": "2",
            "WALLET_PRICE_SMS_PENCE": "7",
            "UNRELATED": "ignored",
        }
    )

    assert settings.webhook_url == "https://wallet.example/api/webhooks/stripe"
    assert settings.stripe_webhook_secret is None
    assert settings.defects == {"seed-bug", "lost-update"}
    assert settings.job_retry_wait_seconds == 0.5
    assert settings.stripe_max_network_retries == 2
    assert settings.prices.sms_pence == 7


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({}, "DATABASE_URL must be set; STRIPE_SECRET_KEY must be set; SESSION_SECRET must be set"),
        ({**REQUIRED, "STRIPE_TIMEOUT_SECONDS": "soon"}, "STRIPE_TIMEOUT_SECONDS must be a number"),
        ({**REQUIRED, "JOB_MAX_ATTEMPTS": "-1"}, "JOB_MAX_ATTEMPTS must be a finite number >= 0"),
        ({**REQUIRED, "RECONCILE_INTERVAL_SECONDS": "inf"}, "must be a finite number >= 0"),
        ({**REQUIRED, "TOPUP_MIN_PENCE": "0"}, "TOPUP_MIN_PENCE must be at least 1 penny, got 0"),
        ({**REQUIRED, "WALLET_PRICE_SMS_PENCE": "4.5"}, "WALLET_PRICE_SMS_PENCE must be a whole"),
        (
            {**REQUIRED, "DATABASE_URL": "host=db password=s3cret"},
            "DATABASE_URL must be a PostgreSQL URL like postgresql://user@host/wallet; it has no",
        ),
        (
            {**REQUIRED, "DATABASE_URL": "mysql://app:s3cret@db/wallet"},
            "DATABASE_URL must be a PostgreSQL URL .*; it starts mysql://",
        ),
        (
            {**REQUIRED, "DATABASE_URL": "postgresql://app:s3cret@db:99999/wallet"},
            "DATABASE_URL names a port that is not 1 to 65535: 99999",
        ),
        (
            {**REQUIRED, "DATABASE_URL": "postgresql://app:s3cret@db/wallet?colour=blue"},
            'DATABASE_URL is not a URL libpq reads: invalid URI query parameter: "colour"',
        ),
    ],
)
def test_a_value_the_app_cannot_use_is_refused_with_its_name(
    variables: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message) as refused:
        AppSettings.from_env(variables)
    assert "s3cret" not in str(refused.value)  # a database URL's password is never repeated


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app@db/wallet",
        "postgres://app:pw@db:6432/wallet?sslmode=require",
        "postgresql://app@db1:5432,db2:5433/wallet",
        "postgresql:///wallet?host=/run/postgresql",
    ],
)
def test_any_url_libpq_reads_is_taken(url: str) -> None:
    assert AppSettings.from_env({**REQUIRED, "DATABASE_URL": url}).database_url == url
