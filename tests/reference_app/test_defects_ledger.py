"""Defects at the ledger stage: the money moves, but not once, not right, or not on the record.
Evidence: ledger rows against the balance, the balance chain, and the delivery log."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reference_app.evidence import (
    balance,
    chain_is_unbroken,
    delivery_codes,
    inbox,
    job_statuses,
    landing_check,
    ledger_rows,
    new_topup,
    paid_topup,
    topup_status,
    wait_for_topup,
    wait_until,
)
from tests.reference_app.running import app_stack

COMPLETED = "checkout.session.completed"


@pytest.mark.parametrize(("defect", "rows"), [(None, 1), ("non-idempotent-credit", 2)])
def test_a_duplicate_delivery_credits_once(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None, rows: int
) -> None:
    defects = () if defect is None else (defect,)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        stack.control.add_fault("duplicate", event_type=COMPLETED, count=1)
        session_id = paid_topup(stack)

        assert delivery_codes(stack, session_id) == [200, 200]
        wait_until(lambda: len(ledger_rows(stack)) == rows, what=f"{rows} ledger rows")
        wait_until(lambda: set(job_statuses(stack)) == {"succeeded"}, what="the jobs to end")
        assert [row.stripe_checkout_session_id for row in ledger_rows(stack)] == [session_id] * rows
        assert balance(stack) == 5000 * rows
        assert topup_status(stack, session_id) == ("credited", "webhook")


@pytest.mark.parametrize("defect", [None, "lost-update"])
def test_concurrent_topups_of_one_org_all_count(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    defects = () if defect is None else (defect,)
    amounts = [1000, 2500, 5000, 10000]
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        stack.control.add_fault("hold", event_type=COMPLETED, times=None)
        sessions = [new_topup(stack, amount) for amount in amounts]
        for session_id in sessions:
            stack.control.pay(session_id, wait_for_webhook=False)
        stack.control.settle()
        stack.control.release()  # all four completed events at once
        stack.control.settle()
        for session_id in sessions:
            assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")

        rows = ledger_rows(stack)
        assert sorted(row.amount_pence for row in rows) == amounts  # every credit has its row
        if defect is None:
            assert balance(stack) == sum(amounts)
            assert chain_is_unbroken(rows)
        else:
            # the rows say £185.00, the wallet holds less: credits read the same old balance
            assert balance(stack) < sum(amounts)
            assert not chain_is_unbroken(rows)


@pytest.mark.parametrize("defect", [None, "ledger-row-missing"])
def test_a_credit_writes_its_ledger_row(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    defects = () if defect is None else (defect,)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        session_id = paid_topup(stack)

        assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
        assert balance(stack) == 5000
        with stack.connect() as conn:
            row = conn.execute(
                "select credit_transaction_id from topups where checkout_session_id = %s",
                (session_id,),
            ).fetchone()
        assert row is not None
        if defect is None:
            assert [r.amount_pence for r in ledger_rows(stack)] == [5000]
            assert row[0] == ledger_rows(stack)[0].id
        else:
            assert ledger_rows(stack) == []  # balance moved, nothing on the record
            assert row[0] is None


@pytest.mark.parametrize("defect", [None, "business-error-status"])
def test_a_delivery_for_a_credited_session_is_acknowledged(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    """The customer came back before the webhook: the landing check credited the session.
    The late webhook (and any later copy) must get a 2xx, or Stripe retries it for days."""
    defects = () if defect is None else (defect,)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        stack.control.add_fault("hold", event_type=COMPLETED, times=None)
        session_id = new_topup(stack)
        stack.control.pay(session_id, wait_for_webhook=False)
        assert landing_check(stack, session_id)["fulfilled_by"] == "landing"
        stack.control.add_fault("duplicate", event_type=COMPLETED, count=1)
        stack.control.release()
        stack.control.settle()
        stack.control.advance(hours=3)  # every retry of the test-mode schedule

        codes = delivery_codes(stack, session_id)
        if defect is None:
            assert codes == [200, 200]
        else:
            # the first attempt and its copy, then three retries: a storm of 500s for a done job
            assert codes[:2] == [500, 500]
            assert set(codes) == {500}
            assert len(codes) >= 5
            assert stack.control.deliveries(object_id=session_id).attempts[-1].attempt == 4
        assert [row.amount_pence for row in ledger_rows(stack)] == [5000]
        assert balance(stack) == 5000


@pytest.mark.parametrize("defect", [None, "slow-handler"])
def test_the_endpoint_answers_within_stripes_timeout(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    defects = () if defect is None else (defect,)
    with app_stack(
        wallet_ledger_db_url,
        tmp_path,
        defects=defects,
        env={"SLOW_HANDLER_SECONDS": "2"},  # longer than the fake's 1.5 s wait below
        delivery_timeout=1.5,
        checkout_wait=1.0,
    ) as stack:
        session_id = new_topup(stack)
        stack.control.pay(session_id, wait_for_webhook=False)
        stack.control.settle()
        assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
        stack.control.advance(minutes=5)  # the first retry, if one is due

        attempts = stack.control.deliveries(object_id=session_id, event_type=COMPLETED).attempts
        if defect is None:
            assert [a.status_code for a in attempts] == [200]
        else:
            # processed, but too late for Stripe: timed out, and retried (processed again)
            assert [a.status_code for a in attempts] == [None, None]
            assert all("timed out" in (a.error or "") for a in attempts)
            wait_until(lambda: inbox(stack, session_id)[0][2] == 2, what="the second attempt")
        assert [row.amount_pence for row in ledger_rows(stack)] == [5000]
