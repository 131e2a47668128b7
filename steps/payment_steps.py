"""How the customer pays

Refused cards, 3-D Secure, bank debit, a checkout left to expire; and what the checkout page,
the dashboard and the app's record of the top-up say when nothing was credited.
"""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from harness.checks.amounts import typed_amount_agrees, typed_amount_refused
from harness.checks.topups import topup_recorded_as
from harness.checks.typed_amounts import amounts_agree_over_the_range
from harness.drivers.customer import CLOSE_TAB, STAY
from harness.drivers.records import Records
from harness.pages.checkout_page import by_bank_debit, by_card
from harness.profile.needs import needs
from harness.scenario import Scenario
from steps.sentences import CARD, MONEY, sentence, with_reference

TOPUP_STATUS = r"created|awaiting_payment|credited|failed|expired"


# -- paying, or not --------------------------------------------------------------------------


@when(
    sentence(rf'"{{email}}" tries to top up (?P<amount>{{money}}) with card {CARD}'),
    converters=MONEY,
)
def tries_to_top_up(wallet_scenario: Scenario, email: str, amount: int, card: str) -> None:
    """When "EMAIL" tries to top up MONEY with card CARD

    Example: When "test@demo.com" tries to top up £50.00 with card 4000 0000 0000 0002

    The customer stays on the checkout page, where a refused card says why.
    """
    wallet_scenario.customer(email).top_up(amount, by_card(card), then=STAY)


@when(
    sentence(
        rf'"{{email}}" tries to top up (?P<amount>{{money}}) with card {CARD} and fails'
        r" 3-D Secure"
    ),
    converters=MONEY,
)
def tries_to_top_up_failing_3ds(
    wallet_scenario: Scenario, email: str, amount: int, card: str
) -> None:
    """When "EMAIL" tries to top up MONEY with card CARD and fails 3-D Secure

    Example: When "test@demo.com" tries to top up £50.00 with card 4000 0027 6000 3184 and
    fails 3-D Secure
    """
    customer = wallet_scenario.customer(email)
    customer.top_up(amount, by_card(card, three_d_secure=False), then=STAY)


@when(
    sentence(
        rf'"{{email}}" tops up (?P<amount>{{money}}) with card {CARD}, completes 3-D Secure'
        r" and closes the tab after paying"
    ),
    converters=MONEY,
)
def tops_up_passing_3ds_and_leaves(
    wallet_scenario: Scenario, email: str, amount: int, card: str
) -> None:
    """When "EMAIL" tops up MONEY with card CARD, completes 3-D Secure and closes the tab after
    paying

    Example: When "test@demo.com" tops up £50.00 with card 4000 0027 6000 3184, completes
    3-D Secure and closes the tab after paying
    """
    customer = wallet_scenario.customer(email)
    customer.top_up(amount, by_card(card, three_d_secure=True), then=CLOSE_TAB)


@when(
    sentence(
        r'"{email}" tops up (?P<amount>{money}) by bank debit from account (?P<account>\d{8})'
    ),
    converters=MONEY,
)
def tops_up_by_bank_debit(wallet_scenario: Scenario, email: str, amount: int, account: str) -> None:
    """When "EMAIL" tops up MONEY by bank debit from account ACCOUNT

    Example: When "test@demo.com" tops up £50.00 by bank debit from account 00012345

    Lands back on the dashboard with the session complete but unpaid; the debit settles (or
    fails) 3 minutes later on the fake's clock.
    """
    wallet_scenario.customer(email).top_up(amount, by_bank_debit(account))


@when(
    sentence(
        r'"{email}" tops up (?P<amount>{money}) by bank debit from account (?P<account>\d{8})'
        r" and closes the tab after paying"
    ),
    converters=MONEY,
)
def tops_up_by_bank_debit_and_leaves(
    wallet_scenario: Scenario, email: str, amount: int, account: str
) -> None:
    """When "EMAIL" tops up MONEY by bank debit from account ACCOUNT and closes the tab after
    paying

    Example: When "test@demo.com" tops up £50.00 by bank debit from account 00012345 and closes
    the tab after paying

    Only the webhooks can credit it, once the debit settles on the fake's clock.
    """
    customer = wallet_scenario.customer(email)
    customer.top_up(amount, by_bank_debit(account), then=CLOSE_TAB)


@when(
    sentence(r'"{email}" opens Checkout for (?P<amount>{money}) and closes the tab without paying'),
    converters=MONEY,
)
def leaves_checkout_unpaid(wallet_scenario: Scenario, email: str, amount: int) -> None:
    """When "EMAIL" opens Checkout for MONEY and closes the tab without paying

    Example: When "test@demo.com" opens Checkout for £50.00 and closes the tab without paying

    The session stays open until it expires (24 hours on the fake's clock).
    """
    customer = wallet_scenario.customer(email)
    customer.start_top_up(amount)
    customer.leave_checkout()


@when(
    sentence(
        rf'"{{email}}" types "(?P<typed>[^"]*)" as the custom amount and pays with card {CARD}'
    ),
    target_fixture="typed_amount",
)
def types_amount_and_pays(wallet_scenario: Scenario, email: str, typed: str, card: str) -> str:
    """When "EMAIL" types "TEXT" as the custom amount and pays with card CARD

    Example: When "test@demo.com" types "1,000" as the custom amount and pays with card
    4242 4242 4242 4242

    TEXT is typed into the dashboard's amount field exactly as given; the customer notes the
    total the checkout page shows, pays and lands back on the dashboard.
    """
    wallet_scenario.customer(email).type_top_up(typed, by_card(card))
    return typed


@when(
    sentence(r'"{email}" types "(?P<typed>[^"]*)" as the custom amount and presses Top Up'),
    target_fixture="typed_amount",
)
def types_amount_and_presses(wallet_scenario: Scenario, email: str, typed: str) -> str:
    """When "EMAIL" types "TEXT" as the custom amount and presses Top Up

    Example: When "test@demo.com" types "4.99" as the custom amount and presses Top Up

    An empty TEXT is typed and then cleared, leaving the custom choice with nothing in it.
    """
    wallet_scenario.customer(email).type_amount_and_press(typed)
    return typed


@when(sentence(r'"{email}" opens the dashboard with the payment\'s reference'))
def opens_dashboard_with_reference(wallet_scenario: Scenario, email: str) -> None:
    """When "EMAIL" opens the dashboard with the payment's reference

    Example: When "test@demo.com" opens the dashboard with the payment's reference

    The landing page's address with the latest session id, once the stack is quiet, as a
    customer coming back from Checkout (or following a link) would open it.
    """
    wallet_scenario.wait_until_quiet()
    session_id = wallet_scenario.latest_session
    wallet_scenario.customer(email).come_back_with_reference(session_id)


# -- what the customer sees ------------------------------------------------------------------


@then(parsers.re(r'the checkout page says "(?P<text>[^"]+)"'))
def checkout_page_says(wallet_scenario: Scenario, text: str) -> None:
    """Then the checkout page says "TEXT"

    Example: Then the checkout page says "Your card was declined."
    """
    wallet_scenario.current_customer.checkout.expect_error(text)


@then(parsers.re(r'the dashboard shows the error "(?P<text>[^"]+)"'))
def dashboard_shows_error(wallet_scenario: Scenario, text: str) -> None:
    """Then the dashboard shows the error "TEXT"

    Example: Then the dashboard shows the error "The checkout for £50.00 expired before payment
    (reference {reference})."

    `{reference}` in the text stands for the payment's reference (the latest session id).
    """
    dashboard = wallet_scenario.current_customer.dashboard
    dashboard.expect_error(with_reference(text, lambda: wallet_scenario.latest_session))


@then(
    sentence(r'"{email}" was charged and credited exactly (?P<amount>{money}), penny for penny'),
    converters=MONEY,
)
def charged_and_credited_exactly(
    wallet_scenario: Scenario, records: Records, typed_amount: str, email: str, amount: int
) -> None:
    """Then "EMAIL" was charged and credited exactly MONEY, penny for penny

    Example: Then "test@demo.com" was charged and credited exactly £10.99, penny for penny

    The checkout page's total, Stripe's session `amount_total` and PaymentIntent `amount`, the
    one ledger row, the wallet and the dashboard (balance, newest row) all say MONEY.
    """
    typed_amount_agrees(wallet_scenario, records, email, typed_amount, amount)


@then(
    sentence(
        r'"{email}" is charged and credited penny for penny for (?P<count>\d+) amounts drawn'
        r" from (?P<low>{money}) to (?P<high>{money}), and refused one penny outside:"
        r" share (?P<share>\d+) of (?P<shares>\d+)"
    ),
    converters={**MONEY, "count": int, "share": int, "shares": int},
)
def amounts_over_the_range(
    wallet_scenario: Scenario,
    records: Records,
    email: str,
    count: int,
    low: int,
    high: int,
    share: int,
    shares: int,
) -> None:
    """Then "EMAIL" is charged and credited penny for penny for N amounts drawn from MONEY to
    MONEY, and refused one penny outside: share K of N

    Example: Then "test@demo.com" is charged and credited penny for penny for 12 amounts drawn
    from £5.00 to £1,000.00, and refused one penny outside: share 2 of 4

    A Hypothesis property: N amounts from the range, plus each limit and one penny either side,
    typed in the dashboard's field as customers write them or started through the API in pence.
    Each case is a real payment: the share K of N pays only the cases dealt to it (in turn,
    from the same search in every share), so N scenarios, one per share, make every payment
    once between them.
    """
    amounts_agree_over_the_range(
        wallet_scenario, records, email, low, high, count, share=(share, shares)
    )


@then(sentence(r'the amount is refused for "{email}" with "(?P<text>[^"]+)"'))
def amount_refused(wallet_scenario: Scenario, records: Records, email: str, text: str) -> None:
    """Then the amount is refused for "EMAIL" with "TEXT"

    Example: Then the amount is refused for "test@demo.com" with "a top-up is from £5.00 to
    £1,000.00; got £4.99"

    The dashboard shows TEXT; no Checkout Session was created at Stripe and nothing credited.
    """
    typed_amount_refused(wallet_scenario, records, email, text)


@then("the dashboard lists no transactions")
def dashboard_lists_nothing(wallet_scenario: Scenario) -> None:
    """Then the dashboard lists no transactions

    Example: Then the dashboard lists no transactions
    """
    wallet_scenario.current_customer.dashboard.expect_row_count(0)


# -- what the app recorded -------------------------------------------------------------------


@then(parsers.re(rf'the top-up is recorded as "(?P<status>{TOPUP_STATUS})"'))
@needs("capabilities.fulfilment")
def topup_is_recorded_as(wallet_scenario: Scenario, records: Records, status: str) -> None:
    """Then the top-up is recorded as "STATE"

    Example: Then the top-up is recorded as "awaiting_payment"

    The app's record of the latest top-up; STATE is `created`, `awaiting_payment`, `credited`,
    `failed` or `expired`.
    """
    topup_recorded_as(wallet_scenario, records, status)
