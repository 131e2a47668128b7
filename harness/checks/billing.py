"""What a billing gate answered (an SMS sent with an organisation's API token) and the debit it
left in the ledger."""

from __future__ import annotations

from harness.drivers.billing import GateAnswer
from harness.drivers.records import Records
from harness.money import format_money
from harness.records.ledger_chain import describe
from harness.scenario import Scenario

# what a failed check here is about, when no stage of the flow broke (harness.diagnosis.blame)
FAILURE_STAGE = "billing"


def sms_refused(sms: GateAnswer, status: int, reason: str) -> None:
    if sms.status_code != status:
        raise AssertionError(f"the SMS gate answered {sms}")
    if sms.error is None:
        raise AssertionError(f"the SMS gate gave no reason: {sms}")
    if reason not in sms.error:
        raise AssertionError(f"the SMS gate said {sms.error!r}")


def sms_sent(sms: GateAnswer, price: int) -> None:
    if sms.status_code != 200:
        raise AssertionError(f"the SMS gate answered {sms}")
    if sms.body.get("sent") is not True:
        raise AssertionError(f"the SMS gate did not send it: {sms}")
    if sms.body.get("charged_pence") != price:
        raise AssertionError(
            f"the SMS was charged {sms.body.get('charged')}, not {format_money(price)}"
        )


def sms_debited(
    scenario: Scenario,
    records: Records,
    sms: GateAnswer,
    email: str,
    amount: int,
    before: int,
    after: int,
) -> None:
    """``email``'s ledger ends with the row the gate named: an ``sms`` debit of ``amount`` from
    ``before`` to ``after``."""
    scenario.wait_until_quiet()
    rows = records.ledger(email)
    if not rows:
        raise AssertionError(f"the ledger of {email} is empty")
    last = rows[-1]
    expected = ("sms", "debit", amount, before, after, sms.body.get("transaction_id"))
    if (*last.movement, last.id) != expected:
        raise AssertionError(f"the ledger of {email} ends with:\n{describe(rows[-1:])}")
