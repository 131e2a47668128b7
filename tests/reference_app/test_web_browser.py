"""The bug report's case in a real Chromium: log in, top up £50 through the fake's hosted
Checkout, land back on the dashboard and see the balance and the row without a reload; and the
ways the landing must not fail silently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

from harness.stack.wallet_stack import WalletStack
from tests.reference_app.evidence import OTHER_TOKEN, topup_status, wait_for_topup
from tests.reference_app.running import app_stack

PAY = re.compile(r"^Pay\b")
LANDING = re.compile(r"/dashboard/wallet\?session_id=(cs_\w+)$")
CHECKOUT = re.compile(r"/c/pay/(cs_\w+)")
# for expects that wait on the app's processes (the page polls every 0.5 s, the worker is
# another process): room for a slow CI; a healthy run needs well under a second
BACKEND_WAIT_MS = 15_000


def log_in(page: Page, stack: WalletStack, email: str = "test@demo.com") -> None:
    page.goto(f"{stack.web_url}/dashboard/wallet")
    expect(page).to_have_url(f"{stack.web_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("topup-demo-1")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{stack.web_url}/dashboard/wallet")
    # the dashboard's deferred script has run (it reacts to typing): DOMContentLoaded waits
    # for deferred scripts, a URL does not, and a loaded machine shows the difference
    page.wait_for_load_state("domcontentloaded")


def open_checkout(page: Page, amount: str = "£50") -> str:
    """Choose an amount and press Top Up; returns the Checkout Session id from the fake's page."""
    page.get_by_label(amount, exact=True).check()
    return open_checkout_as_chosen(page)


def open_checkout_as_chosen(page: Page) -> str:
    page.get_by_role("button", name="Top Up").click()
    expect(page.get_by_role("button", name=PAY)).to_be_visible()
    match = CHECKOUT.search(page.url)
    assert match is not None, page.url
    return match.group(1)


def pay_by_card(page: Page, number: str = "4242 4242 4242 4242") -> None:
    # the app passes the logged-in user's email to Checkout: it is filled in, read-only
    expect(page.get_by_label("Email")).to_have_value("test@demo.com")
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiration").fill("12/34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Cardholder name").fill("Jenny Rosen")
    page.get_by_role("button", name=PAY).click()


def landed_session(page: Page) -> str:
    expect(page).to_have_url(LANDING)
    match = LANDING.search(page.url)
    assert match is not None
    return match.group(1)


def ledger_rows(stack: WalletStack) -> list[tuple[str, int, str]]:
    with stack.connect() as conn:
        rows = conn.execute(
            "select type, amount_pence, stripe_checkout_session_id from credit_transactions"
        ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]


def record_landings(page: Page) -> list[str]:
    """The URLs the tab loads as documents (a reload would add one)."""
    loads: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: loads.append(frame.url) if frame is page.main_frame else None,
    )
    return loads


def record_polls(page: Page) -> list[str]:
    polls: list[str] = []

    def seen(request: Request) -> None:
        if "/api/wallet/topups/" in request.url:
            polls.append(request.url)

    page.on("request", seen)
    return polls


def test_a_card_top_up_shows_the_new_balance_and_row_without_a_reload(
    page: Page, stack: WalletStack
) -> None:
    loads = record_landings(page)
    polls = record_polls(page)
    log_in(page, stack)
    expect(page.get_by_test_id("wallet-balance")).to_have_text("£0.00")

    checkout_session = open_checkout(page, "£50")
    expect(page.get_by_role("button", name=PAY)).to_have_text("Pay £50.00")
    pay_by_card(page)

    session_id = landed_session(page)
    assert session_id == checkout_session
    balance = page.get_by_test_id("wallet-balance")
    expect(balance).to_have_text("£50.00", timeout=BACKEND_WAIT_MS)
    rows = page.get_by_test_id("transaction-row")
    expect(rows).to_have_count(1, timeout=BACKEND_WAIT_MS)
    expect(rows.first).to_contain_text("Top-up +£50.00")
    status = page.get_by_test_id("topup-status")
    expect(status).to_have_attribute("data-state", "credited")
    expect(status).to_have_text("£50.00 has been added to your wallet.")
    expect(page.get_by_test_id("topup-error")).to_be_hidden()
    assert [url for url in loads if "session_id=" in url] == [page.url]  # loaded once
    assert polls, "the landing page never asked whether the payment was credited"
    assert ledger_rows(stack) == [("topup", 5000, session_id)]


def test_a_dropped_webhook_is_made_good_by_the_landing_check(
    page: Page, stack: WalletStack
) -> None:
    stack.control.add_fault("drop", event_type="checkout.session.completed", times=None)
    loads = record_landings(page)
    log_in(page, stack)
    open_checkout(page, "£25")
    pay_by_card(page)

    session_id = landed_session(page)
    expect(page.get_by_test_id("wallet-balance")).to_have_text("£25.00", timeout=BACKEND_WAIT_MS)
    expect(page.get_by_test_id("transaction-row").first).to_contain_text("Top-up +£25.00")
    assert [url for url in loads if "session_id=" in url] == [page.url]
    assert topup_status(stack, session_id) == ("credited", "landing")
    assert ledger_rows(stack) == [("topup", 2500, session_id)]


def test_a_declined_card_stays_on_checkout_and_cancelling_says_so(
    page: Page, stack: WalletStack
) -> None:
    log_in(page, stack)
    session_id = open_checkout(page, "£10")
    pay_by_card(page, "4000 0000 0000 0002")

    expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
    expect(page.get_by_role("button", name=PAY)).to_have_text("Pay £10.00")
    assert CHECKOUT.search(page.url) is not None

    page.get_by_role("link", name=re.compile(r"^Cancel and return")).click()
    expect(page).to_have_url(f"{stack.web_url}/dashboard/wallet?cancelled=1")
    expect(page.get_by_test_id("topup-status")).to_have_text(
        "The checkout was cancelled; nothing was charged."
    )
    expect(page.get_by_test_id("wallet-balance")).to_have_text("£0.00")
    assert topup_status(stack, session_id) == ("created", None)
    assert ledger_rows(stack) == []


def test_dashboard_never_refreshes_keeps_the_old_balance_until_a_reload(
    page: Page, wallet_ledger_db_url: str, tmp_path: Path
) -> None:
    with app_stack(wallet_ledger_db_url, tmp_path, defects=("dashboard-never-refreshes",)) as stack:
        # the webhook waits until the page has landed, so the page is drawn before the credit
        stack.control.add_fault("hold", event_type="checkout.session.completed")
        polls = record_polls(page)
        log_in(page, stack)
        open_checkout(page, "£50")
        pay_by_card(page)
        session_id = landed_session(page)
        expect(page.get_by_test_id("wallet-balance")).to_have_text("£0.00")

        stack.control.release()
        stack.control.settle()
        assert wait_for_topup(stack, session_id, "credited") == ("credited", "webhook")
        assert ledger_rows(stack) == [("topup", 5000, session_id)]

        # the money is in, the page says nothing and never asks
        expect(page.get_by_test_id("wallet-balance")).to_have_text("£0.00")
        expect(page.get_by_test_id("topup-status")).to_have_count(0)
        expect(page.get_by_test_id("transaction-row")).to_have_count(0)
        assert polls == []

        page.reload()
        expect(page.get_by_test_id("wallet-balance")).to_have_text("£50.00")
        expect(page.get_by_test_id("transaction-row").first).to_contain_text("Top-up +£50.00")


@pytest.mark.parametrize("silent", [False, True], ids=["healthy", "dashboard-silent-on-failure"])
def test_an_expired_checkout_is_reported_unless_the_page_is_silent(
    page: Page, wallet_ledger_db_url: str, tmp_path: Path, silent: bool
) -> None:
    defects = ("dashboard-silent-on-failure",) if silent else ()
    with app_stack(wallet_ledger_db_url, tmp_path, defects=defects) as stack:
        log_in(page, stack)
        session_id = open_checkout(page, "£50")
        stack.control.expire(session_id)
        page.goto(f"{stack.web_url}/dashboard/wallet?session_id={session_id}")  # comes back

        status = page.get_by_test_id("topup-status")
        error = page.get_by_test_id("topup-error")
        expect(status).to_have_attribute("data-state", "expired", timeout=BACKEND_WAIT_MS)
        if silent:
            expect(status).to_be_hidden()
            expect(error).to_be_hidden()
            expect(page.get_by_role("alert")).to_have_count(0)
        else:
            expect(error).to_be_visible()
            expect(error).to_have_text(
                f"The checkout for £50.00 expired before payment (reference {session_id})."
            )
        expect(page.get_by_test_id("wallet-balance")).to_have_text("£0.00")
        assert topup_status(stack, session_id) == ("expired", None)


def test_another_organisations_reference_gets_a_clear_message(
    page: Page, stack: WalletStack
) -> None:
    with stack.api(OTHER_TOKEN) as other:
        session_id = other.post("/api/wallet/topups", json={"amount_pence": 5000}).json()[
            "session_id"
        ]
    stack.control.pay(session_id)
    log_in(page, stack)

    page.goto(f"{stack.web_url}/dashboard/wallet?session_id={session_id}")

    error = page.get_by_test_id("topup-error")
    expect(error).to_contain_text(
        f"We found no top-up with reference {session_id} for your organisation.",
        timeout=BACKEND_WAIT_MS,
    )
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_test_id("topup-status")).to_have_attribute("data-state", "not_found")
    expect(page.get_by_test_id("wallet-balance")).to_have_text("£0.00")


def test_a_confirmation_that_takes_too_long_says_so_with_the_reference(
    page: Page, stack: WalletStack
) -> None:
    log_in(page, stack)
    page.get_by_label("Custom amount in pounds").fill("12.50")  # chooses "Other amount"
    expect(page.get_by_label("Other amount")).to_be_checked()
    session_id = open_checkout_as_chosen(page)  # opened, never paid: it stays pending
    expect(page.get_by_role("button", name=PAY)).to_have_text("Pay £12.50")
    page.clock.install()  # the page's timers on a fake clock: no waiting 30 real seconds
    page.goto(f"{stack.web_url}/dashboard/wallet?session_id={session_id}")
    status = page.get_by_test_id("topup-status")
    expect(status).to_contain_text(f"Your payment is being confirmed (reference {session_id})")

    page.clock.run_for(31_000)

    error = page.get_by_test_id("topup-error")
    expect(error).to_contain_text("taking longer than expected to confirm")
    expect(error).to_contain_text(session_id)
    expect(status).to_have_attribute("data-state", "timeout")
