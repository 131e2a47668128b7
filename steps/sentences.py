"""How sentences are matched: the fragments and converters every step module shares, declared
once here.

``sentence(pattern)`` is a ``parsers.re`` (a full match) in which these stand for groups:

- ``{money}``: an amount written as people say it, ``£50.00`` (converted to pence once, by
  ``harness.money.parse_money``, through ``MONEY``'s converters);
- ``{email}``: a quoted login, ``"test@demo.com"``, captured without the quotes.

The other fragments are plain regular expressions to put in a pattern: ``CARD``, ``EVENT``,
``WHICH`` (with ``TIMES``), ``REQUESTS`` (with ``REQUEST_TIMES``), ``DURATION`` (with
``SECONDS``), ``ANSWERS`` (with ``ANSWER_LIST``).
``PLACEHOLDERS`` says what each placeholder of a documented sentence shape stands for; the step
vocabulary page (``python -m steps.vocabulary``) shows it.
"""

from __future__ import annotations

from collections.abc import Callable

from pytest_bdd import parsers

from harness.durations import DURATION_PATTERN, parse_duration
from harness.money import MONEY_PATTERN, parse_money

Converters = dict[str, Callable[[str], object]]

MONEY: Converters = {
    name: parse_money
    for name in ("amount", "before", "after", "first", "second", "total", "price", "low", "high")
}

CARD = r"(?P<card>\d{4}(?: ?\d{4}){3})"  # a test card number: 4242 4242 4242 4242
EVENT = r"[a-z_]+(?:\.[a-z_]+)+"  # an event type: checkout.session.completed
WHICH = r"(?P<which>the next delivery|the next \d+ deliveries|every delivery)"
DURATION = rf"(?P<duration>{DURATION_PATTERN})"  # 3 hours
REQUESTS = r"(?P<requests>the next time|the next \d+ times|every time)"  # of the app's requests
_ANSWER = r"(?:\d{3}|no answer|dropped)"
ANSWERS = rf"(?P<answers>{_ANSWER}(?:, {_ANSWER})*)"  # 500, no answer, 200


def deliveries_touched(which: str) -> int | None:
    """``the next delivery`` -> 1, ``the next 3 deliveries`` -> 3, ``every delivery`` -> None
    (the fault has no bound)."""
    if which == "every delivery":
        return None
    if which == "the next delivery":
        return 1
    return int(which.split()[2])


def answer_list(text: str) -> list[str]:
    """``500, 500, no answer, 200`` -> ``["500", "500", "no answer", "200"]``."""
    return [answer.strip() for answer in text.split(",")]


def requests_touched(requests: str) -> int | None:
    """``the next time`` -> 1, ``the next 2 times`` -> 2, ``every time`` -> None (no bound)."""
    if requests == "every time":
        return None
    if requests == "the next time":
        return 1
    return int(requests.split()[2])


TIMES: Converters = {"which": deliveries_touched}
REQUEST_TIMES: Converters = {"requests": requests_touched}
SECONDS: Converters = {"duration": parse_duration}
ANSWER_LIST: Converters = {"answers": answer_list}

# What each placeholder in a documented sentence shape stands for, as the vocabulary page says.
PLACEHOLDERS = {
    '"EMAIL"': 'a seed login, in quotes: `"test@demo.com"`, `"admin@demo.com"` (the same'
    ' organisation, an admin) or `"other@demo.com"` (a second organisation)',
    "MONEY": "an amount as people say it: `£50.00`, `£1,000.00`, `-£5.00`; converted to pence"
    " once (`harness/money.py`)",
    "CARD": "a Stripe test card number: `4242 4242 4242 4242` pays, `4000 0000 0000 0002` is"
    " declined, `4000 0000 0000 9995` has insufficient funds, `4000 0027 6000 3184` and"
    " `4000 0025 0000 3155` ask for 3-D Secure",
    "ACCOUNT": "a bank account for a bank debit: `00012345` settles, `90012345` fails",
    "EVENT": "a Stripe event type: `checkout.session.completed`,"
    " `checkout.session.async_payment_succeeded`, `checkout.session.expired`",
    "WHICH": "which deliveries of an event a fault touches: `the next delivery`,"
    " `the next 3 deliveries` or `every delivery`",
    "REQUESTS": "which of the app's requests to Stripe's API a fault touches: `the next time`,"
    " `the next 2 times` or `every time` (the SDK's own retries count as requests)",
    "DURATION": "time on the fake's clock: `30 seconds`, `35 minutes`, `2 hours`, `3 days`",
    "N": "a whole number: `2`, `50`",
    "STATUS": "an HTTP status: `200`, `400`, `404`, `500`",
    "ANSWERS": "the answers to delivery attempts in order, separated by commas: an HTTP status,"
    " `no answer` (a timeout or a refused connection) or `dropped`:"
    " `500, 500, no answer, 200`",
    '"TEXT"': "a quoted text, compared with what the page, the app or the terminal says",
    "{reference}": "inside a quoted text the dashboard shows, the payment's reference: the"
    " Checkout Session id of the scenario's latest top-up",
}


def sentence(pattern: str) -> parsers.re:
    return parsers.re(
        pattern.replace("{money}", f"(?:{MONEY_PATTERN})").replace(
            '"{email}"', r'"(?P<email>[^"]+)"'
        )
    )


def with_reference(text: str, latest_session: Callable[[], str]) -> str:
    """A quoted text with ``{reference}`` standing for the latest session id, filled in; the
    session is asked for only when the text names it (a top-up that never opened has none)."""
    return text.replace("{reference}", latest_session()) if "{reference}" in text else text
