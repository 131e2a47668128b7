"""``topups.credit``: a top-up's credit and the top-up's record of it as one statement, whole or
not at all, against a real PostgreSQL."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg import pq

from reference_app import topups
from reference_app.ledger import InvalidLedgerRequest, UnknownOrganisation
from tests.reference_app.ledger_reads import balance_pence, check_ledger, topup_rows
from tests.reference_app.seed_data import DEMO_ORG_ID

Conn = psycopg.Connection[Any]
SESSION = "cs_test_credit"


@pytest.fixture
def created(conn: Conn) -> Conn:
    topups.record_created(conn, SESSION, DEMO_ORG_ID, 5000)
    return conn


def credit(conn: Conn, path: str = "webhook", org_id: str = DEMO_ORG_ID) -> Any:
    return topups.credit(conn, SESSION, org_id, 5000, path, "pi_credit")


def test_the_credit_moves_the_balance_and_marks_the_topup_with_its_path(created: Conn) -> None:
    result, written = credit(created)

    assert result.applied
    assert result.balance_after_pence == balance_pence(created, DEMO_ORG_ID) == 5000
    assert written is not None
    assert (written.status, written.fulfilled_by) == ("credited", "webhook")
    assert written.credit_transaction_id == result.transaction_id
    assert written.stripe_payment_intent_id == "pi_credit"
    assert written == topups.get_topup(created, SESSION)
    assert [row.id for row in topup_rows(created, SESSION)] == [result.transaction_id]


def test_a_second_credit_by_another_path_writes_nothing_and_the_first_path_stays(
    created: Conn,
) -> None:
    first, _ = credit(created, "landing")

    again, written = credit(created, "webhook")

    assert not again.applied
    assert written is None
    assert again.transaction_id == first.transaction_id
    topup = topups.get_topup(created, SESSION)
    assert topup is not None
    assert topup.fulfilled_by == "landing"
    assert balance_pence(created, DEMO_ORG_ID) == 5000
    assert len(topup_rows(created, SESSION)) == 1


def test_a_record_the_topup_refuses_takes_the_credit_back_with_it(created: Conn) -> None:
    # the topups table allows only its three paths: the record fails after the credit was made
    with pytest.raises(psycopg.errors.CheckViolation):
        credit(created, "a-path-nobody-knows")

    assert balance_pence(created, DEMO_ORG_ID) == 0
    assert topup_rows(created, SESSION) == []
    topup = topups.get_topup(created, SESSION)
    assert topup is not None
    assert topup.status == "created"
    assert check_ledger(created) == []


def test_a_refused_credit_raises_the_ledgers_error_and_writes_nothing(created: Conn) -> None:
    with pytest.raises(UnknownOrganisation):
        credit(created, org_id="00000000-0000-0000-0000-000000000000")
    with pytest.raises(InvalidLedgerRequest):  # checked before any query
        credit(created, org_id="not-a-uuid")

    assert topup_rows(created, SESSION) == []
    topup = topups.get_topup(created, SESSION)
    assert topup is not None
    assert topup.status == "created"


def test_inside_the_callers_transaction_a_refusal_leaves_it_usable(created: Conn) -> None:
    with created.transaction():
        with pytest.raises(psycopg.errors.CheckViolation):
            credit(created, "a-path-nobody-knows")
        result, written = credit(created)

    assert result.applied
    assert written is not None
    assert balance_pence(created, DEMO_ORG_ID) == 5000
    assert check_ledger(created) == []


def traced(conn: Conn, action: Callable[[], object]) -> str:
    """What ``action`` sent and received, as libpq's trace of the connection writes it."""
    with tempfile.TemporaryFile() as trace:
        conn.pgconn.trace(trace.fileno())
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            action()
        finally:
            conn.pgconn.untrace()
        trace.seek(0)
        return trace.read().decode()


def test_on_a_connection_in_autocommit_the_credit_is_one_round_trip(created: Conn) -> None:
    trace = traced(created, lambda: credit(created))

    # each round trip ends with the server's ReadyForQuery: one, with no BEGIN, SAVEPOINT,
    # RELEASE or COMMIT around the statement
    assert trace.count("\tReadyForQuery\t") == 1, trace
    assert "\tQuery\t" not in trace
    assert "add_wallet_credits" in trace
    assert "update topups" in trace
    assert created.info.transaction_status == pq.TransactionStatus.IDLE
