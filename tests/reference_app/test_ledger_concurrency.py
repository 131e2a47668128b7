"""Races on one wallet: each caller has its own connection, all start together."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
import pytest

from harness.drivers.ledger import race as ledger_race
from reference_app.ledger import (
    CheckoutSessionConflict,
    CreditResult,
    InsufficientFunds,
    add_wallet_credits,
    deduct_wallet_credits,
)
from tests.reference_app.ledger_reads import balance_pence, check_ledger, ledger_rows, topup_rows
from tests.reference_app.seed_data import DEMO_ORG_ID, OTHER_ORG_ID

Conn = psycopg.Connection[Any]
T = TypeVar("T")
RACERS = 50


def race(database_url: str, calls: list[Callable[[Conn], T]]) -> list[T | Exception]:
    """harness.drivers.ledger.race, with each caller's exception kept as its result."""

    def keeping_errors(call: Callable[[Conn], T]) -> Callable[[Conn], T | Exception]:
        def run(conn: Conn) -> T | Exception:
            try:
                return call(conn)
            except Exception as exc:
                return exc

        return run

    return ledger_race(database_url, [keeping_errors(call) for call in calls])


def test_50_concurrent_credits_give_the_exact_sum_and_an_unbroken_chain(
    wallet_ledger_db_url: str, conn: Conn
) -> None:
    amounts = [100 + i for i in range(RACERS)]
    calls = [
        lambda c, i=i, amount=amount: add_wallet_credits(
            c, DEMO_ORG_ID, amount, "topup", stripe_checkout_session_id=f"cs_test_race_{i}"
        )
        for i, amount in enumerate(amounts)
    ]

    results = race(wallet_ledger_db_url, calls)

    assert all(isinstance(r, CreditResult) and r.applied for r in results), results
    assert balance_pence(conn, DEMO_ORG_ID) == sum(amounts)
    rows = ledger_rows(conn, DEMO_ORG_ID)
    assert len(rows) == RACERS
    assert rows[0].balance_before_pence == 0
    for previous, row in itertools.pairwise(rows):
        assert row.balance_before_pence == previous.balance_after_pence
    assert rows[-1].balance_after_pence == sum(amounts)
    assert check_ledger(conn) == []


def test_50_concurrent_calls_for_one_session_write_exactly_one_row(
    wallet_ledger_db_url: str, conn: Conn
) -> None:
    calls = [
        lambda c: add_wallet_credits(
            c, DEMO_ORG_ID, 5000, "topup", stripe_checkout_session_id="cs_test_same"
        )
    ] * RACERS

    results = race(wallet_ledger_db_url, calls)

    assert all(isinstance(r, CreditResult) for r in results), results
    assert sum(1 for r in results if isinstance(r, CreditResult) and r.applied) == 1
    assert {r.transaction_id for r in results if isinstance(r, CreditResult)} == {
        topup_rows(conn, "cs_test_same")[0].id
    }
    assert len(topup_rows(conn, "cs_test_same")) == 1
    assert balance_pence(conn, DEMO_ORG_ID) == 5000


def test_one_session_raced_for_two_organisations_credits_only_one(
    wallet_ledger_db_url: str, conn: Conn
) -> None:
    calls = [
        lambda c, org=org: add_wallet_credits(
            c, org, 5000, "topup", stripe_checkout_session_id="cs_test_contested"
        )
        for org in [DEMO_ORG_ID, OTHER_ORG_ID] * (RACERS // 2)
    ]

    results = race(wallet_ledger_db_url, calls)

    applied = [r for r in results if isinstance(r, CreditResult) and r.applied]
    assert len(applied) == 1
    refused = [r for r in results if isinstance(r, CheckoutSessionConflict)]
    assert len(refused) == RACERS // 2  # every call for the losing organisation
    [row] = topup_rows(conn, "cs_test_contested")
    assert balance_pence(conn, row.org_id) == 5000
    assert balance_pence(conn, DEMO_ORG_ID) + balance_pence(conn, OTHER_ORG_ID) == 5000
    assert check_ledger(conn) == []


@pytest.mark.parametrize("debt_limit_pence", [0, 250])
def test_concurrent_debits_never_pass_the_debt_limit(
    wallet_ledger_db_url: str, conn: Conn, debt_limit_pence: int
) -> None:
    conn.execute(
        "update organizations set debt_limit_pence = %s where id = %s",
        (debt_limit_pence, DEMO_ORG_ID),
    )
    add_wallet_credits(conn, DEMO_ORG_ID, 1000, "topup", stripe_checkout_session_id="cs_test_f")

    results = race(
        wallet_ledger_db_url,
        [lambda c: deduct_wallet_credits(c, DEMO_ORG_ID, 100, "call")] * RACERS,
    )

    allowed = (1000 + debt_limit_pence) // 100
    assert sum(1 for r in results if not isinstance(r, Exception)) == allowed
    assert sum(1 for r in results if isinstance(r, InsufficientFunds)) == RACERS - allowed
    assert balance_pence(conn, DEMO_ORG_ID) == 1000 - 100 * allowed
    assert check_ledger(conn) == []


def test_mixed_concurrent_credits_and_debits_keep_every_invariant(
    wallet_ledger_db_url: str, conn: Conn
) -> None:
    add_wallet_credits(conn, DEMO_ORG_ID, 10_000, "topup", stripe_checkout_session_id="cs_test_m")
    calls: list[Callable[[Conn], object]] = []
    for i in range(RACERS // 2):
        calls.append(
            lambda c, i=i: add_wallet_credits(
                c, DEMO_ORG_ID, 250, "topup", stripe_checkout_session_id=f"cs_test_mix_{i}"
            )
        )
        calls.append(lambda c: deduct_wallet_credits(c, DEMO_ORG_ID, 4, "sms"))

    results = race(wallet_ledger_db_url, calls)

    assert not [r for r in results if isinstance(r, Exception)]
    assert balance_pence(conn, DEMO_ORG_ID) == 10_000 + (RACERS // 2) * (250 - 4)
    assert check_ledger(conn) == []
