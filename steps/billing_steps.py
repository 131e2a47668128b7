"""Steps about the billing gates a top-up opens: an SMS sent through the billing API with the
organisation's token, refused or charged, and the debit it leaves in the ledger."""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from harness.drivers.billing import BillingGates, GateAnswer
from harness.drivers.records import Records
from harness.money import format_money
from harness.records.ledger_chain import describe
from harness.scenario import Scenario
from steps.sentences import MONEY, sentence


@when(
    sentence(r'"{email}" sends the SMS "(?P<body>[^"]+)" to (?P<to>\+\d+)'),
    target_fixture="sms",
)
def sends_sms(billing_gates: BillingGates, email: str, body: str, to: str) -> GateAnswer:
    return billing_gates.send_sms(email, to, body)


@then(
    parsers.re(r'the SMS is refused with (?P<status>\d{3}) "(?P<reason>[^"]+)"'),
    converters={"status": int},
)
def sms_refused(sms: GateAnswer, status: int, reason: str) -> None:
    assert sms.status_code == status, f"the SMS gate answered {sms}"
    assert sms.error is not None, f"the SMS gate gave no reason: {sms}"
    assert reason in sms.error, f"the SMS gate said {sms.error!r}"


@then(sentence(r"the SMS is sent for (?P<price>{money})"), converters=MONEY)
def sms_sent(sms: GateAnswer, price: int) -> None:
    assert sms.status_code == 200, f"the SMS gate answered {sms}"
    assert sms.body.get("sent") is True, f"the SMS gate did not send it: {sms}"
    assert sms.body.get("charged_pence") == price, (
        f"the SMS was charged {sms.body.get('charged')}, not {format_money(price)}"
    )


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
    wallet_scenario.wait_until_quiet()
    rows = records.ledger(email)
    assert rows, f"the ledger of {email} is empty"
    last = rows[-1]
    expected = ("sms", "debit", amount, before, after, sms.body.get("transaction_id"))
    actual = (
        last.type,
        last.direction,
        last.amount_pence,
        last.balance_before_pence,
        last.balance_after_pence,
        last.id,
    )
    assert actual == expected, f"the ledger of {email} ends with:\n{describe(rows[-1:])}"


@then(parsers.re(r'the newest transaction on the dashboard reads "(?P<text>[^"]+)"'))
def newest_transaction_reads(wallet_scenario: Scenario, text: str) -> None:
    wallet_scenario.current_customer.dashboard.expect_top_row(text)
