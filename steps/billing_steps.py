"""The billing gates a top-up opens

An SMS sent through the billing API with the organisation's API token: refused without funds,
or sent and charged, and the debit it leaves in the ledger.
"""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from harness.checks import billing
from harness.drivers.billing import BillingGates, GateAnswer
from harness.drivers.records import Records
from harness.profile.needs import needs
from harness.scenario import Scenario
from steps.sentences import MONEY, sentence


@when(
    sentence(r'"{email}" sends the SMS "(?P<body>[^"]+)" to (?P<to>\+\d+)'),
    target_fixture="sms",
)
@needs("capabilities.billing_api")
def sends_sms(billing_gates: BillingGates, email: str, body: str, to: str) -> GateAnswer:
    """When "EMAIL" sends the SMS "TEXT" to NUMBER

    Example: When "test@demo.com" sends the SMS "Your code is 123456" to +447700900123

    NUMBER is a phone number in international form. The gate charges the organisation of the
    login's API token.
    """
    return billing_gates.send_sms(email, to, body)


@then(
    parsers.re(r'the SMS is refused with (?P<status>\d{3}) "(?P<reason>[^"]+)"'),
    converters={"status": int},
)
def sms_refused(sms: GateAnswer, status: int, reason: str) -> None:
    """Then the SMS is refused with STATUS "TEXT"

    Example: Then the SMS is refused with 402 "insufficient funds: £0.04 is needed"

    The gate's answer has that status, and its error contains the text.
    """
    billing.sms_refused(sms, status, reason)


@then(sentence(r"the SMS is sent for (?P<price>{money})"), converters=MONEY)
def sms_sent(sms: GateAnswer, price: int) -> None:
    """Then the SMS is sent for MONEY

    Example: Then the SMS is sent for £0.04
    """
    billing.sms_sent(sms, price)


@then(
    sentence(
        r'the ledger of "{email}" ends with a debit of (?P<amount>{money}) for the SMS, from'
        r" (?P<before>{money}) to (?P<after>{money})"
    ),
    converters=MONEY,
)
def ledger_ends_with_sms_debit(
    wallet_scenario: Scenario,
    records: Records,
    sms: GateAnswer,
    email: str,
    amount: int,
    before: int,
    after: int,
) -> None:
    """Then the ledger of "EMAIL" ends with a debit of MONEY for the SMS, from MONEY to MONEY

    Example: Then the ledger of "test@demo.com" ends with a debit of £0.04 for the SMS, from
    £50.00 to £49.96

    The last row is the one the gate named: an `sms` debit with both balances.
    """
    billing.sms_debited(wallet_scenario, records, sms, email, amount, before, after)


@then(parsers.re(r'the newest transaction on the dashboard reads "(?P<text>[^"]+)"'))
def newest_transaction_reads(wallet_scenario: Scenario, text: str) -> None:
    """Then the newest transaction on the dashboard reads "TEXT"

    Example: Then the newest transaction on the dashboard reads "SMS -£0.04"
    """
    dashboard = wallet_scenario.current_customer.dashboard
    wallet_scenario.expect_settled(lambda ms: dashboard.expect_top_row(text, ms))
