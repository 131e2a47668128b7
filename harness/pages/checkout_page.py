"""The fake's hosted Checkout page, as the customer sees it after pressing Top Up."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

# what a failed check here is about, when no stage of the flow broke (harness.diagnosis.blame)
FAILURE_STAGE = "payment"

PAY = re.compile(r"^Pay\b")
SESSION_IN_URL = re.compile(r"/c/pay/(cs_\w+)")


class CheckoutPage:
    def __init__(self, page: Page) -> None:
        self.page = page

    def wait_until_open(self) -> str:
        """Wait for the payment form; return the Checkout Session id from the address."""
        expect(self.page.get_by_role("button", name=PAY)).to_be_visible()
        match = SESSION_IN_URL.search(self.page.url)
        assert match is not None, f"not a Checkout page: {self.page.url}"
        return match.group(1)

    @property
    def amount(self) -> str:
        return self.page.get_by_test_id("checkout-amount").inner_text()

    def give_email(self, email: str) -> None:
        """Fill in the email, where the page asks for it (a session created without the
        customer's email; otherwise the field is the customer's, read-only)."""
        field = self.page.get_by_label("Email", exact=True)
        if field.is_editable() and not field.input_value():
            field.fill(email)

    def pay_by_card(self, number: str, expiry: str = "12/34", cvc: str = "123") -> None:
        page = self.page
        page.get_by_label("Card number").fill(number)
        page.get_by_label("Expiration").fill(expiry)
        page.get_by_label("CVC").fill(cvc)
        page.get_by_label("Cardholder name").fill("Jenny Rosen")
        page.get_by_role("button", name=PAY).click()

    def pay_by_bank_debit(self, account_number: str) -> None:
        page = self.page
        page.get_by_label("Bank debit (Bacs Direct Debit)").check()
        page.get_by_label("Account number").fill(account_number)
        page.get_by_label("Account holder name").fill("Jenny Rosen")
        page.get_by_role("button", name=PAY).click()

    def answer_3d_secure(self, passed: bool) -> None:
        name = "Complete authentication" if passed else "Fail authentication"
        self.page.get_by_role("button", name=name).click()

    def expect_error(self, text: str) -> None:
        expect(self.page.get_by_test_id("checkout-error")).to_have_text(text)

    def expect_still_open(self) -> None:
        expect(self.page.get_by_role("button", name=PAY)).to_be_visible()
        assert SESSION_IN_URL.search(self.page.url), self.page.url

    def expect_status(self, heading: str) -> None:
        expect(self.page.get_by_test_id("checkout-status")).to_have_text(heading)


PayAction = Callable[[CheckoutPage], None]


def by_card(number: str, *, three_d_secure: bool | None = None) -> PayAction:
    """Pay with a card; ``three_d_secure`` answers the bank's challenge (True: pass)."""

    def pay(checkout: CheckoutPage) -> None:
        checkout.pay_by_card(number)
        if three_d_secure is not None:
            checkout.answer_3d_secure(passed=three_d_secure)

    return pay


def by_bank_debit(account_number: str) -> PayAction:
    def pay(checkout: CheckoutPage) -> None:
        checkout.pay_by_bank_debit(account_number)

    return pay
