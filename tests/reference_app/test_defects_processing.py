"""Defects at the processing stage: the event reaches the worker, which reads the session wrongly
or handles the wrong events. Evidence: the inbox, the top-up record and the ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.drivers.forger import Forger
from harness.stack.wallet_stack import WalletStack
from tests.reference_app.evidence import (
    OTHER_ORG,
    balance,
    inbox,
    ledger_rows,
    new_topup,
    paid_topup,
    topup_status,
    wait_for_topup,
    wait_until,
)
from tests.reference_app.running import app_stack

COMPLETED = "checkout.session.completed"
WEBHOOK = "/api/webhooks/stripe"
ASYNC_SUCCEEDED = "checkout.session.async_payment_succeeded"
SETTLES = 200  # fake seconds: a Bacs debit settles about three minutes after the payment


@pytest.mark.parametrize("defect", [None, "org-from-payment-intent"])
def test_the_org_is_read_from_the_session(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    defects = () if defect is None else (defect,)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        session_id = paid_topup(stack)

        if defect is None:
            assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
            assert balance(stack) == 5000
            return
        events = wait_until(
            lambda: [e for e in inbox(stack, session_id) if e[1] == "failed"], what="failure"
        )
        assert "names no organisation" in (events[0][3] or "")
        assert (balance(stack), ledger_rows(stack)) == (0, [])


@pytest.mark.parametrize("defect", [None, "trusts-event-payload"])
def test_a_signed_event_that_lies_is_checked_against_stripe(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    defects = () if defect is None else (defect,)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        session_id = new_topup(stack, 5000)  # never paid
        forger = Forger(stack.control, stack.stripe, stack.web_url + WEBHOOK)
        lie = forger.completed_event(session_id, payment_status="paid", status="complete")
        assert forger.post_correctly_signed(lie).status == 200  # signed: it gets in

        if defect is None:
            events = wait_until(
                lambda: [e for e in inbox(stack, session_id) if e[1] == "failed"], what="refusal"
            )
            assert "the event disagrees with Stripe" in (events[0][3] or "")
            assert "payment_status 'paid', Stripe says 'unpaid'" in (events[0][3] or "")
            assert (balance(stack), ledger_rows(stack)) == (0, [])
        else:  # believed: money nobody paid
            assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
            assert balance(stack) == 5000


def test_an_event_for_a_credited_session_is_checked_against_its_credit(
    stack: WalletStack,
) -> None:
    """An honest copy of a credited session's event under a new event id (as a re-sent event
    has; the same id is stopped earlier, by the inbox) is done without Stripe: its reads fail
    here and the job still succeeds. One that lies about the session is still put to Stripe,
    and refused."""
    session_id = paid_topup(stack)
    assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
    forger = Forger(stack.control, stack.stripe, stack.web_url + WEBHOOK)
    honest = forger.completed_event(session_id)
    lie = forger.completed_event(session_id, client_reference_id=OTHER_ORG)
    reads_fail = stack.control.add_api_fault("error", object_id=session_id, times=None, status=500)

    assert forger.post_correctly_signed(honest).status == 200
    wait_until(
        lambda: [e for e in inbox(stack, session_id) if e[1] != "queued"][1:], what="the copy"
    )
    assert inbox(stack, session_id) == [(COMPLETED, "processed", 1, None)] * 2
    assert stack.control.api_fault_hits() == []

    stack.control.remove_api_fault(reads_fail.id)
    stack.control.add_api_fault("error", object_id=session_id, times=1, status=500)
    assert forger.post_correctly_signed(lie).status == 200
    refused = wait_until(
        lambda: [e for e in inbox(stack, session_id) if e[1] == "failed"], what="the refusal"
    )
    assert "the event disagrees with Stripe" in (refused[0][3] or "")
    assert [hit.status for hit in stack.control.api_fault_hits()] == [500]  # Stripe was asked
    assert (balance(stack), len(ledger_rows(stack))) == (5000, 1)


@pytest.mark.parametrize(("defect", "credited"), [(None, 5000), ("amount-in-pounds", 50)])
def test_the_amount_is_read_in_pence(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None, credited: int
) -> None:
    defects = () if defect is None else (defect,)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        session_id = new_topup(stack, 5000)
        stack.control.pay(session_id)
        stack.control.settle()

        assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
        assert [row.amount_pence for row in ledger_rows(stack)] == [credited]
        assert balance(stack) == credited


@pytest.mark.parametrize("defect", [None, "credits-unpaid-sessions"])
def test_an_unpaid_bank_debit_is_not_credited(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    defects = () if defect is None else (defect,)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        session_id = new_topup(stack)
        paid = stack.control.pay(session_id, method="bacs_debit", account_number="90012345")
        assert paid.status == "processing"
        stack.control.settle()

        if defect is None:
            assert wait_for_topup(stack, session_id, "awaiting_payment") == (
                "awaiting_payment",
                None,
            )
        else:
            # credited on checkout.session.completed although payment_status is unpaid
            assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
            assert stack.stripe.v1.checkout.sessions.retrieve(session_id).payment_status == (
                "unpaid"
            )
        stack.control.advance(seconds=SETTLES)  # the bank says no
        stack.control.settle()
        wait_until(
            lambda: any(e[0].endswith("async_payment_failed") for e in inbox(stack, session_id)),
            what="the async_payment_failed event",
        )
        wait_until(lambda: all(e[1] != "queued" for e in inbox(stack, session_id)), what="work")
        if defect is None:
            assert topup_status(stack, session_id) == ("failed", None)
            assert (balance(stack), ledger_rows(stack)) == (0, [])
        else:
            assert topup_status(stack, session_id) == ("credited", "webhook")
            assert balance(stack) == 5000  # money the bank never paid


@pytest.mark.parametrize("defect", [None, "ignores-async-success"])
def test_a_settled_bank_debit_is_credited(
    wallet_ledger_db_url: str, tmp_path: Path, defect: str | None
) -> None:
    defects = () if defect is None else (defect,)
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        session_id = new_topup(stack)
        stack.control.pay(session_id, method="bacs_debit", account_number="00012345")
        stack.control.settle()
        assert wait_for_topup(stack, session_id, "awaiting_payment") == ("awaiting_payment", None)

        stack.control.advance(seconds=SETTLES)
        stack.control.settle()

        if defect is None:
            assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
            assert balance(stack) == 5000
            return
        wait_until(
            lambda: [e for e in inbox(stack, session_id) if e[0] == ASYNC_SUCCEEDED],
            what="the async_payment_succeeded event",
        )
        wait_until(lambda: all(e[1] != "queued" for e in inbox(stack, session_id)), what="work")
        events = [e[:2] for e in inbox(stack, session_id)]
        assert events == [(COMPLETED, "processed"), (ASYNC_SUCCEEDED, "ignored")]
        assert topup_status(stack, session_id) == ("awaiting_payment", None)
        assert (balance(stack), ledger_rows(stack)) == (0, [])
